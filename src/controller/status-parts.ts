/** Pure pieces of the decision: what phase a runner is in, and the status fields a summary fills in. */
import type { Phase } from '../api/status-constants.js';
import type { LoadTestStatus } from '../api/status-schema.js';
import type { RunOutcome, Summary } from '../report/summary.js';
import type { ObservedRunner } from './model.js';

export type RunnerPhase = 'pending' | 'waiting' | 'running' | 'done' | 'lost';

export function runnerPhase(r: ObservedRunner, failedIndexes: readonly number[]): RunnerPhase {
  // Stopped by a signal before its end: its final snapshot counts, but it did not run its share.
  if (r.interrupted && (r.state?.state === 'done' || r.lastSnapshot?.done)) return 'lost';
  if (r.state?.state === 'done' || r.lastSnapshot?.done) return 'done';
  // Its own answer said it cannot go on (malformed snapshot, failed setup): lost, with that reason.
  if (r.problem) return 'lost';
  const pod = r.pod;
  // A pod that ended without handing over a final snapshot, or an index the Job gave up on, is a lost shard.
  if (pod?.phase === 'Failed' || pod?.phase === 'Succeeded' || failedIndexes.includes(r.index)) return 'lost';
  if (r.state?.state === 'running') return 'running';
  if (r.state?.state === 'waiting') return 'waiting';
  // Reachable before, silent now, pod still there: count it as running on its last snapshot.
  if (r.lastSnapshot && pod && !pod.deleting) return 'running';
  return 'pending';
}

/** "runner 1: malformed snapshot: ...; runner 2: ..." for the runners lost by their own answer. */
export function runnerProblems(runners: readonly ObservedRunner[]): string {
  return runners
    .filter((r) => r.problem)
    .map((r) => `runner ${r.index}: ${r.problem}`)
    .join('; ');
}

/** Why a runner is not ready (or lost before the start), for the message of a run that could not start. */
export function notReadyReason(r: ObservedRunner): string {
  if (r.problem) return r.problem;
  if (r.state?.state === 'preparing') return 'still running spec.postgres.setup';
  if (!r.pod) return 'no pod';
  return `pod ${r.pod.name} ${r.pod.phase}${r.pod.reason ? ` (${r.pod.reason})` : ''}`;
}

export const OUTCOME_PHASE: Record<RunOutcome, Phase> = {
  completed: 'Succeeded',
  'aborted-by-threshold': 'Aborted',
  failed: 'Failed',
  interrupted: 'Aborted',
};

export function percentString(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.001 && fraction > 0 ? 3 : 2)}%`;
}

/** Status fields that mirror a summary: the same numbers `kubectl get lt` and the report show. */
export function statusFigures(summary: Summary): Partial<LoadTestStatus> {
  // No latency sample yet (nothing answered): the fields are removed, never a made-up 0 ms, so
  // `kubectl get lt` shows nothing and the latency gauges have no series for the test.
  const latency = summary.latency.count > 0 ? summary.latency : undefined;
  return {
    requests: summary.totals.requests,
    rps: summary.totals.rps,
    p50Ms: latency?.p50Ms,
    p95Ms: latency?.p95Ms,
    p99Ms: latency?.p99Ms,
    errorRate: summary.totals.errorRate,
    errors: percentString(summary.totals.errorRate),
    thresholds: summary.thresholds.map((t) => ({
      metric: t.metric,
      threshold: t.threshold,
      ...(t.actual !== null ? { actual: t.actual } : {}),
      passed: t.passed,
      abortOnFail: t.abortOnFail,
    })),
  };
}

export function runnerCounts(phases: RunnerPhase[], desired: number): NonNullable<LoadTestStatus['runners']> {
  const count = (...ps: RunnerPhase[]) => phases.filter((p) => ps.includes(p)).length;
  const ready = count('waiting', 'running', 'done');
  return {
    desired,
    ready,
    running: count('running'),
    finished: count('done'),
    lost: count('lost'),
    display: `${ready}/${desired}`,
  };
}
