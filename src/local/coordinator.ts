/**
 * Local mode: split the plan into N shards, run them in worker threads (never on this thread),
 * start them together, merge their snapshots once a second, evaluate thresholds on the merged data, abort
 * when an abortOnFail threshold fails, tell breakpoint scenarios when to stop stepping, and build the
 * summary.
 */
import { addTargetResources, analyzeSummary } from '../analysis/index.js';
import type { LoadTest } from '../api/schema.js';
import { runPostgresScript, unresolvedPgUrl } from '../engine/pg-setup.js';
import { WHOLE } from '../engine/shard.js';
import { planDurationUs, planShard, type ShardPolicy, shardGuard } from '../engine/shard-runner.js';
import {
  completeThroughSecond,
  decideStopStepping,
  steppingLookbackSeconds,
} from '../engine/stop-stepping.js';
import { setLongTimeout } from '../engine/timers.js';
import { declaredCustomMetrics } from '../metrics/custom-metrics.js';
import { type MergedRun, mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { abortingThreshold, compileThresholds, evaluateThresholds } from '../metrics/thresholds.js';
import { lostShardsDetail, summarizeRun } from '../report/outcome.js';
import type { LiveView } from '../report/progress.js';
import type { RunOutcome, Summary } from '../report/summary.js';
import type { WorkerInput } from './messages.js';
import { type ShardHost, WorkerShard } from './shard-host.js';

/** Shards get this long to set up before the shared start instant. */
const START_DELAY_MS = 200;
const MERGE_INTERVAL_MS = 1000;
/** After a graceful stop, how long shards may take before they are killed. */
const STOP_GRACE_EXTRA_MS = 5000;
/** A stop-stepping order takes effect this far ahead, so every worker thread has it before it applies. */
const STEPPING_LEAD_MS = 50;

export type { LiveView } from '../report/progress.js';

export interface LocalRunOptions {
  loadTest: LoadTest;
  baseDir: string;
  env: Record<string, string>;
  /** Values of spec.env that came from Secrets (locally: from the environment); redacted in every output. */
  secrets?: string[];
  workers: number;
  onLive?: (view: LiveView) => void;
  /** Aborting it stops the run gracefully (Ctrl-C). */
  signal?: AbortSignal;
  /** Connections only where this policy allows (`stampede run --allow`); none: anywhere. */
  policy?: ShardPolicy;
}

export interface LocalRunResult {
  summary: Summary;
}

function workerUrl(): URL {
  // Under the TypeScript test runner this module is a .ts file; workers always run the built JavaScript.
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/local/worker.js', import.meta.url)
    : new URL('./worker.js', import.meta.url);
}

// Long: the abort handler, the merge ticker and the end of the run share one mutable outcome; the pure parts
// (summary, outcome, lost-shard message) live in src/report/outcome.ts.
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { loadTest } = options;
  const total = Math.max(1, options.workers);
  const thresholds = compileThresholds(loadTest.spec.thresholds, declaredCustomMetrics(loadTest.spec));
  const plans = planShard(loadTest, WHOLE);
  const plannedMs = planDurationUs(plans) / 1000;
  const summarize = (run: MergedRun, outcome: RunOutcome, detail?: string, lostShards?: number[]) =>
    summarizeRun({ loadTest, plans, thresholds, run, outcome, detail, finishedAtMs: Date.now(), lostShards });
  const guard = shardGuard(options.policy);
  // Database URLs and setup first: a run that cannot reach its database should say so before any load.
  const beforeLoad =
    unresolvedPgUrl(loadTest, options.env) ??
    (await runPostgresScript(loadTest.spec.postgres, 'setup', options.env, guard).then(
      () => undefined,
      (error: Error) => error.message,
    ));
  if (beforeLoad) {
    const run = mergeSnapshots([], { nowMs: Date.now() });
    return {
      summary: analyzeSummary(summarize(run, 'failed', `nothing was sent: ${beforeLoad}`)),
    };
  }
  const hosts: ShardHost[] = [];
  for (let index = 0; index < total; index++) {
    const input: WorkerInput = {
      loadTest,
      shard: { index, total },
      baseDir: options.baseDir,
      env: options.env,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      threads: total,
      postgresSetup: false,
      ...(options.policy ? { policy: options.policy } : {}),
    };
    // Even one shard gets its own thread: merging, thresholds and live progress run here once a second and
    // would otherwise stall the load thread for milliseconds at a time (schedule lag, inflated latency).
    hosts.push(new WorkerShard(index, input, workerUrl()));
  }
  await Promise.all(hosts.map((h) => h.ready));
  const startAtEpochMs = Date.now() + START_DELAY_MS;
  for (const h of hosts) h.start(startAtEpochMs);

  let outcome: RunOutcome = 'completed';
  let outcomeDetail: string | undefined;
  const lost = new Set<number>();
  const stopAll = () => {
    for (const h of hosts) h.stop();
  };
  const onAbort = () => {
    if (outcome === 'completed') {
      outcome = 'interrupted';
      outcomeDetail = 'stopped by the user';
    }
    stopAll();
  };
  // A signal that came while the shards were starting has already fired its event.
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const latest = () => hosts.map((h) => h.latest()).filter((s): s is ShardSnapshot => s !== undefined);
  const lookbackSeconds = Math.max(2, steppingLookbackSeconds(plans));
  const steppingStopped = new Set<string>();
  const ticker = setInterval(() => {
    const snapshots = latest();
    if (!snapshots.length) return;
    const run = mergeSnapshots(snapshots, { intervals: { lastSeconds: lookbackSeconds } });
    const aborting = outcome === 'completed' ? abortingThreshold(run, thresholds) : undefined;
    if (aborting) {
      outcome = 'aborted-by-threshold';
      outcomeDetail = `${aborting.metric} ${aborting.threshold} failed (abortOnFail)`;
      stopAll();
    }
    const orders = decideStopStepping({
      plans,
      intervals: run.intervals,
      completeThroughSecond: completeThroughSecond(snapshots),
      elapsedMs: Date.now() - startAtEpochMs,
      stopped: steppingStopped,
      leadMs: STEPPING_LEAD_MS,
    });
    for (const order of orders) {
      steppingStopped.add(order.scenario);
      for (const h of hosts) h.stopStepping(order);
    }
    options.onLive?.({
      elapsedMs: Date.now() - startAtEpochMs,
      plannedMs,
      run,
      thresholds: evaluateThresholds(run, thresholds),
      scenarios: plans.map((p) => ({
        name: p.scenario,
        startMs: p.startOffsetUs / 1000,
        durationMs: p.durationUs / 1000,
      })),
    });
  }, MERGE_INTERVAL_MS);

  // Bounded: a shard that ignores stop is killed after its plan plus grace, keeping what it reported.
  const cancelDeadline = setLongTimeout(
    () => {
      for (const h of hosts) void h.kill();
    },
    START_DELAY_MS + plannedMs + STOP_GRACE_EXTRA_MS,
  );
  const results = await Promise.allSettled(hosts.map((h) => h.done));
  clearInterval(ticker);
  cancelDeadline();
  options.signal?.removeEventListener('abort', onAbort);
  results.forEach((r, i) => {
    if (r.status === 'rejected') lost.add(i);
  });
  if (lost.size && outcome === 'completed') {
    outcome = 'failed';
    outcomeDetail = lostShardsDetail(
      [...lost],
      results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => (r.reason as Error).message)
        .join('; '),
    );
  }
  await Promise.all(hosts.map((h) => h.kill()));
  const teardownError = await runPostgresScript(loadTest.spec.postgres, 'teardown', options.env, guard).then(
    () => undefined,
    (error: Error) => error.message,
  );
  if (teardownError) outcomeDetail = outcomeDetail ? `${outcomeDetail}; ${teardownError}` : teardownError;
  const finals = results.map((r, i) => (r.status === 'fulfilled' ? r.value : hosts[i]?.latest()));
  const snapshots = finals.filter((s): s is ShardSnapshot => s !== undefined);
  const run = mergeSnapshots(snapshots, { nowMs: Date.now() });
  const summary = summarize(run, outcome, outcomeDetail, [...lost]);
  // The target's own CPU and memory come from Prometheus once the run is over (when spec.analysis asks).
  return { summary: await addTargetResources(analyzeSummary(summary), loadTest) };
}
