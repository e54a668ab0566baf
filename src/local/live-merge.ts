/**
 * Once a second during a local run: merge the shards' latest snapshots, stop every shard when an abortOnFail
 * threshold fails, tell breakpoint scenarios when to stop stepping, and show live progress.
 */
import type { ScenarioPlan } from '../engine/executor.js';
import {
  completeThroughSecond,
  decideStopStepping,
  steppingLookbackSeconds,
} from '../engine/stop-stepping.js';
import { type MergedRun, mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { abortingThreshold, type CompiledThreshold, evaluateThresholds } from '../metrics/thresholds.js';
import type { LiveView } from '../report/progress.js';
import type { LocalOutcome } from './local-outcome.js';
import type { ShardHost } from './shard-host.js';

const MERGE_INTERVAL_MS = 1000;
/** A stop-stepping order takes effect this far ahead, so every worker thread has it before it applies. */
const STEPPING_LEAD_MS = 50;

export interface LiveMergeInput {
  hosts: readonly ShardHost[];
  plans: ScenarioPlan[];
  thresholds: readonly CompiledThreshold[];
  startAtEpochMs: number;
  plannedMs: number;
  outcome: LocalOutcome;
  stopAll: () => void;
  onLive?: ((view: LiveView) => void) | undefined;
}

/**
 * Whether anything reads the live merge: progress output, an abortOnFail threshold or a breakpoint scenario
 * with stopWhen. A quiet run with none of them merges only at the end, so the coordinator thread (which
 * shares the load thread's core with `--workers 1`) does no work once a second while load runs.
 */
export function liveMergeNeeded(input: Pick<LiveMergeInput, 'onLive' | 'thresholds' | 'plans'>): boolean {
  return input.onLive !== undefined || freshTotalsNeeded(input);
}

/**
 * Whether the live merge needs every shard's cumulative figures each second: an abortOnFail threshold or a
 * breakpoint's stopWhen decides on them. Progress output alone does not: it shows the last second, which
 * shards send each second anyway, and totals that may lag by a few seconds, so the load thread encodes its
 * histograms only every few seconds (WorkerInput.fullSnapshotEverySeconds).
 */
export function freshTotalsNeeded(input: Pick<LiveMergeInput, 'thresholds' | 'plans'>): boolean {
  return (
    input.thresholds.some((t) => t.abortOnFail) ||
    input.plans.some((p) => p.executor === 'breakpoint' && (p.spec.stopWhen?.length ?? 0) > 0)
  );
}

/** Starts the once-a-second merge when something reads it; returns the function that stops it. */
export function startLiveMerge(input: LiveMergeInput): () => void {
  if (!liveMergeNeeded(input)) return () => undefined;
  const lookbackSeconds = Math.max(2, steppingLookbackSeconds(input.plans));
  const steppingStopped = new Set<string>();
  const merger = new LiveMerger(lookbackSeconds);
  const ticker = setInterval(() => {
    const snapshots = input.hosts.map((h) => h.latest()).filter((s): s is ShardSnapshot => s !== undefined);
    if (!snapshots.length) return;
    // Each host's count only grows, so the sum changes whenever any shard sent a full snapshot.
    const run = merger.merge(
      snapshots,
      input.hosts.reduce((n, h) => n + h.fullSnapshots, 0),
    );
    abortOnFailedThreshold(input, run);
    orderStopStepping(input, run, snapshots, steppingStopped);
    input.onLive?.(liveView(input, run, snapshots));
  }, MERGE_INTERVAL_MS);
  return () => clearInterval(ticker);
}

/**
 * The live merge of the coordinator, which shares the load thread's core with `--workers 1`. Decoding every
 * cumulative histogram is most of a merge, so the cumulative figures are merged again only when some shard
 * sent a full snapshot since the last time; the last seconds are merged every time.
 */
export class LiveMerger {
  private totalsKey: number | undefined;
  private totals: MergedRun | undefined;

  constructor(private readonly lookbackSeconds: number) {}

  /** `fullSnapshots` (the hosts' count, summed) changes whenever any shard's cumulative figures do. */
  merge(snapshots: readonly ShardSnapshot[], fullSnapshots: number): MergedRun {
    if (this.totals === undefined || fullSnapshots !== this.totalsKey) {
      this.totals = mergeSnapshots(snapshots, { intervals: 'none' });
      this.totalsKey = fullSnapshots;
    }
    const recent = mergeSnapshots(
      snapshots.map((s) => ({ ...s, steps: [], scenarios: [], errorSamples: [] })),
      { intervals: { lastSeconds: this.lookbackSeconds } },
    );
    return { ...this.totals, elapsedMs: recent.elapsedMs, intervals: recent.intervals };
  }
}

function abortOnFailedThreshold(input: LiveMergeInput, run: MergedRun): void {
  const aborting =
    input.outcome.outcome === 'completed' ? abortingThreshold(run, input.thresholds) : undefined;
  if (!aborting) return;
  input.outcome.abortByThreshold(aborting.metric, aborting.threshold);
  input.stopAll();
}

function orderStopStepping(
  input: LiveMergeInput,
  run: MergedRun,
  snapshots: ShardSnapshot[],
  stopped: Set<string>,
): void {
  const orders = decideStopStepping({
    plans: input.plans,
    intervals: run.intervals,
    completeThroughSecond: completeThroughSecond(snapshots),
    elapsedMs: Date.now() - input.startAtEpochMs,
    stopped,
    leadMs: STEPPING_LEAD_MS,
  });
  for (const order of orders) {
    stopped.add(order.scenario);
    for (const h of input.hosts) h.stopStepping(order);
  }
}

/** Requests and failures through each shard's last closed second: fresh every second, unlike run.steps. */
function secondsTotals(snapshots: readonly ShardSnapshot[]): { requests: number; failures: number } {
  let requests = 0;
  let failures = 0;
  for (const s of snapshots)
    for (const iv of s.intervals) {
      requests += iv.requests;
      failures += iv.failures;
    }
  return { requests, failures };
}

function liveView(input: LiveMergeInput, run: MergedRun, snapshots: readonly ShardSnapshot[]): LiveView {
  return {
    elapsedMs: Date.now() - input.startAtEpochMs,
    plannedMs: input.plannedMs,
    run,
    totals: secondsTotals(snapshots),
    thresholds: evaluateThresholds(run, input.thresholds),
    scenarios: input.plans.map((p) => ({
      name: p.scenario,
      startMs: p.startOffsetUs / 1000,
      durationMs: p.durationUs / 1000,
    })),
  };
}
