/**
 * How a run ended, and its summary, worked out the same way by the local coordinator and the controller.
 */
import type { LoadTest } from '../api/schema.js';
import type { ScenarioPlan } from '../engine/executor.js';
import type { MergedRun } from '../metrics/merge.js';
import { type CompiledThreshold, evaluateThresholds } from '../metrics/thresholds.js';
import { buildSummary, type RunOutcome, type Summary } from './summary.js';

/** The outcome detail for shards that stopped answering; `why` says what is known about them. */
export function lostShardsDetail(lost: readonly number[], why?: string): string {
  return `lost shard(s) ${lost.join(', ')}: ${why ? `${why}; ` : ''}results include everything they reported before`;
}

/** The outcome detail with errors that do not change the outcome (a failed Postgres teardown) added. */
export function withDetails(
  detail: string | undefined,
  extras: readonly (string | undefined)[],
): string | undefined {
  const parts = [detail, ...extras].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join('; ') : undefined;
}

/** A run that reached its end: an abortOnFail threshold wins, then lost shards, else it completed. */
export function runOutcome(
  abortedBy: string | undefined,
  lost: readonly number[],
  lostWhy?: string,
): { outcome: RunOutcome; detail: string | undefined } {
  if (abortedBy) return { outcome: 'aborted-by-threshold', detail: abortedBy };
  if (lost.length) return { outcome: 'failed', detail: lostShardsDetail(lost, lostWhy) };
  return { outcome: 'completed', detail: undefined };
}

export interface SummarizeInput {
  loadTest: LoadTest;
  plans: ScenarioPlan[];
  thresholds: readonly CompiledThreshold[];
  run: MergedRun;
  outcome: RunOutcome;
  detail?: string | undefined;
  finishedAtMs: number;
  lostShards?: number[] | undefined;
}

/** The summary of a merged run, thresholds judged on the merged data. */
export function summarizeRun(input: SummarizeInput): Summary {
  const { loadTest, run, thresholds } = input;
  return buildSummary({
    name: loadTest.metadata.name,
    ...(loadTest.metadata.namespace ? { namespace: loadTest.metadata.namespace } : {}),
    target: loadTest.spec.target.baseURL,
    run,
    plans: input.plans,
    thresholds: evaluateThresholds(run, thresholds),
    thresholdRules: thresholds,
    outcome: input.outcome,
    ...(input.detail ? { outcomeDetail: input.detail } : {}),
    finishedAtMs: input.finishedAtMs,
    ...(input.lostShards ? { lostShards: input.lostShards } : {}),
  });
}
