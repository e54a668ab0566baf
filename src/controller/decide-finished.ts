/**
 * Deciding once the report ConfigMap exists: the test is over and its stored summary is the truth. Release
 * runners still holding results, set the final conditions and verdict, and delete after the TTL. Pure.
 */
import { comparisonVerdictLine } from '../report/compare-table.js';
import type { Summary } from '../report/summary.js';
import { setCondition as cond } from './conditions.js';
import type { ControllerSettings, Decision, Observed } from './model.js';
import { names } from './names.js';
import { failedBeforeStart } from './runner-spec.js';
import { OUTCOME_PHASE, statusFigures } from './status-parts.js';

/** Traffic the connection policy refused is the first thing to fix: say so where people look. */
function policyDeniedNote(summary: Summary): string {
  const denied = summary.errors.byClass.policy_denied ?? 0;
  if (!denied) return '';
  const sample = summary.errors.samples.find((s) => s.class === 'policy_denied');
  return `; ${denied} request(s) refused by the target policy${sample ? ` (${sample.scenario}/${sample.step}: ${sample.message})` : ''}`;
}

export function decideFinished(observed: Observed, summary: Summary, settings: ControllerSettings): Decision {
  const { loadTest: lt, nowMs } = observed;
  const generation = lt.metadata.generation;
  const previous = lt.status ?? {};
  const { actions, alive } = releaseRunners(observed);
  const ttl = ttlAfterFinished(Date.parse(summary.finishedAt), nowMs, settings);
  if (ttl.deleteNow) actions.push({ kind: 'deleteLoadTest' });
  const requeueAfterMs = finishedRequeueMs(alive.length ? settings.pullIntervalMs : undefined, ttl.leftMs);
  const phase = OUTCOME_PHASE[summary.outcome];
  return {
    status: {
      ...previous,
      ...statusFigures(summary),
      phase,
      observedGeneration: generation,
      conditions: finishedConditions(previous.conditions, summary, generation, new Date(nowMs)),
      verdict: summary.verdict === 'passed' ? 'Passed' : 'Failed',
      finishedAt: summary.finishedAt,
      progressPercent: 100,
      report: names(lt.metadata.name).report,
      message: finishedMessage(summary),
      lostShards: summary.shards.filter((s) => s.lost).map((s) => s.index),
    },
    actions,
    requeueAfterMs,
  };
}

/**
 * Every runner still up may go: its results are in the report. One that is not done yet (a lost shard
 * still running) is stopped first, so it does not run to its planned end.
 */
function releaseRunners(observed: Observed): { actions: Decision['actions']; alive: number[] } {
  const actions: Decision['actions'] = [];
  const up = observed.runners.filter((r) => r.pod?.phase === 'Running' && !r.pod.deleting);
  const alive = up.map((r) => r.index);
  const unfinished = up.filter((r) => r.state?.state !== 'done').map((r) => r.index);
  if (unfinished.length) actions.push({ kind: 'stopRunners', indexes: unfinished });
  if (alive.length) actions.push({ kind: 'releaseRunners', indexes: alive });
  return { actions, alive };
}

/** spec.ttlAfterFinished: delete now, or how long is left (undefined without a TTL). */
function ttlAfterFinished(
  finishedAtMs: number,
  nowMs: number,
  settings: ControllerSettings,
): { deleteNow: boolean; leftMs: number | undefined } {
  if (settings.ttlAfterFinishedMs === undefined) return { deleteNow: false, leftMs: undefined };
  const leftMs = finishedAtMs + settings.ttlAfterFinishedMs - nowMs;
  return leftMs <= 0 ? { deleteNow: true, leftMs: undefined } : { deleteNow: false, leftMs };
}

/** Come back for runners still to release, and when the TTL runs out, whichever is sooner. */
function finishedRequeueMs(releaseMs: number | undefined, ttlLeftMs: number | undefined): number | undefined {
  if (ttlLeftMs === undefined) return releaseMs;
  return Math.min(releaseMs ?? ttlLeftMs, ttlLeftMs);
}

type Conditions = NonNullable<Observed['loadTest']['status']>['conditions'];

/** Completed, ThresholdsPassed and (with a baseline) BaselinePassed, from the stored summary. */
function finishedConditions(
  previous: Conditions,
  summary: Summary,
  generation: number,
  now: Date,
): Conditions {
  const phase = OUTCOME_PHASE[summary.outcome];
  let conditions = cond(
    previous,
    'Completed',
    'True',
    phase,
    summary.outcomeDetail ?? summary.outcome,
    generation,
    now,
  );
  const none = summary.thresholds.length === 0;
  const allPassed = summary.thresholds.every((t) => t.passed);
  conditions = cond(
    conditions,
    'ThresholdsPassed',
    none ? 'Unknown' : allPassed ? 'True' : 'False',
    none ? 'NoThresholds' : allPassed ? 'Passed' : 'Failed',
    summary.thresholds
      .filter((t) => !t.passed)
      .map((t) => `${t.metric} ${t.threshold}`)
      .join('; ') || 'all passed',
    generation,
    now,
  );
  const comparison = summary.baseline;
  if (!comparison) return conditions;
  return cond(
    conditions,
    'BaselinePassed',
    comparison.verdict === 'passed' ? 'True' : 'False',
    comparison.verdict === 'passed' ? 'Passed' : comparison.error ? 'NoBaseline' : 'Regressed',
    comparisonVerdictLine(comparison),
    generation,
    now,
  );
}

/** A run that failed (never started, lost shards) says why; a gate says why a completed run failed. */
function finishedMessage(summary: Summary): string {
  const comparison = summary.baseline;
  const failedGates = (summary.gates ?? []).filter((g) => !g.passed);
  const why =
    comparison?.verdict === 'failed'
      ? comparisonVerdictLine(comparison)
      : summary.outcome === 'failed' && summary.outcomeDetail
        ? summary.outcomeDetail
        : failedGates.length
          ? `gate failed: ${failedGates.map((g) => `${g.name} ${g.rule} (actual ${g.actual})`).join('; ')}`
          : (summary.outcomeDetail ?? `finished: ${summary.outcome}`);
  return why + policyDeniedNote(summary);
}

/**
 * The report's name is taken by a ConfigMap this LoadTest does not own: nothing is read from it or written
 * to it. The LoadTest fails with the reason (condition Completed False, ReportConflict, one Event) and any
 * runner already up is stopped, since its results would have nowhere to go.
 */
export function reportConflict(observed: Observed, message: string): Decision {
  const { loadTest: lt, nowMs } = observed;
  const failed = failedBeforeStart(lt, 'ReportConflict', message);
  const up = observed.runners.filter((r) => r.pod?.phase === 'Running').map((r) => r.index);
  return {
    ...failed,
    status: {
      ...failed.status,
      conditions: cond(
        lt.status?.conditions,
        'Completed',
        'False',
        'ReportConflict',
        message,
        lt.metadata.generation,
        new Date(nowMs),
      ),
    },
    actions: [...(up.length ? [{ kind: 'stopRunners' as const, indexes: up }] : []), ...failed.actions],
  };
}
