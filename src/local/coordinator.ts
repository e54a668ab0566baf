/**
 * Local mode: split the plan into N shards, run them in worker threads (never on this thread),
 * start them together, merge their snapshots once a second, evaluate thresholds on the merged data, abort
 * when an abortOnFail threshold fails, tell breakpoint scenarios when to stop stepping, and build the
 * summary.
 */
import { addTargetResources, analyzeSummary } from '../analysis/index.js';
import type { LoadTest } from '../api/schema.js';
import { collectGarbage } from '../engine/collect-garbage.js';
import { runPostgresScript, unresolvedPgUrl } from '../engine/pg-setup.js';
import { WHOLE } from '../engine/shard.js';
import { shardCountProblems, shardCountRefusal, WORKERS } from '../engine/shard-count.js';
import { planDurationUs, planShard } from '../engine/shard-plan.js';
import { type ShardPolicy, shardGuard } from '../engine/shard-runner.js';
import { setLongTimeout } from '../engine/timers.js';
import { declaredCustomMetrics } from '../metrics/custom-metrics.js';
import { type MergedRun, mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { compileThresholds } from '../metrics/thresholds.js';
import { summarizeRun } from '../report/outcome.js';
import type { LiveView } from '../report/progress.js';
import type { RunOutcome, Summary } from '../report/summary.js';
import { freshTotalsNeeded, startLiveMerge } from './live-merge.js';
import { LocalOutcome, loadElapsedMs, lostShards } from './local-outcome.js';
import type { WorkerInput } from './messages.js';
import { type ShardHost, WorkerShard } from './shard-host.js';

/** Shards get this long to set up before the shared start instant. */
const START_DELAY_MS = 200;
/** After a graceful stop, how long shards may take before they are killed. */
const STOP_GRACE_EXTRA_MS = 5000;

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

/**
 * Unless an abortOnFail threshold or a stopWhen decides on live totals, the coordinator needs a shard's whole
 * snapshot only at its end or should it die (progress output reads the seconds shards send every second); in
 * between, every few seconds bounds what a dying shard loses while sparing the load thread the encoding.
 */
const QUIET_FULL_SNAPSHOT_EVERY_S = 5;

/** A worker thread per shard; even one shard gets its own thread. */
function startHosts(options: LocalRunOptions, total: number, fullSnapshotEverySeconds: number): ShardHost[] {
  const hosts: ShardHost[] = [];
  for (let index = 0; index < total; index++) {
    const input: WorkerInput = {
      loadTest: options.loadTest,
      shard: { index, total },
      baseDir: options.baseDir,
      env: options.env,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      threads: total,
      postgresSetup: false,
      ...(options.policy ? { policy: options.policy } : {}),
      fullSnapshotEverySeconds,
    };
    // Even one shard gets its own thread: merging, thresholds and live progress run here once a second and
    // would otherwise stall the load thread for milliseconds at a time (schedule lag, inflated latency).
    hosts.push(new WorkerShard(index, input, workerUrl()));
  }
  return hosts;
}

/** Runs spec.postgres's setup or teardown script; its error message, or undefined when it went well. */
function postgresScriptError(
  options: LocalRunOptions,
  phase: 'setup' | 'teardown',
  guard: ReturnType<typeof shardGuard>,
): Promise<string | undefined> {
  return runPostgresScript(options.loadTest.spec.postgres, phase, options.env, guard).then(
    () => undefined,
    (error: Error) => error.message,
  );
}

/** Ctrl-C stops every shard gracefully; returns the function that stops listening. */
function listenForAbort(
  signal: AbortSignal | undefined,
  outcome: LocalOutcome,
  stopAll: () => void,
): () => void {
  const onAbort = () => {
    outcome.interrupt();
    stopAll();
  };
  // A signal that came while the shards were starting has already fired its event.
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return () => signal?.removeEventListener('abort', onAbort);
}

/** Waits for every shard; one that ignores stop is killed after its plan plus grace, keeping what it reported. */
async function awaitShards(
  hosts: ShardHost[],
  plannedMs: number,
): Promise<PromiseSettledResult<ShardSnapshot>[]> {
  const cancelDeadline = setLongTimeout(
    () => {
      for (const h of hosts) void h.kill();
    },
    START_DELAY_MS + plannedMs + STOP_GRACE_EXTRA_MS,
  );
  const results = await Promise.allSettled(hosts.map((h) => h.done));
  cancelDeadline();
  return results;
}

/**
 * Runs the LoadTest on `workers` worker threads. Throws, before any load, when there are more workers than
 * an open-model scenario has VUs: the workers without one would drop every iteration they own.
 */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { loadTest } = options;
  const workers = Math.max(1, options.workers);
  const starved = shardCountProblems(loadTest.spec.scenarios, workers, WORKERS);
  if (starved.length)
    throw new Error(shardCountRefusal(`LoadTest ${loadTest.metadata.name}`, workers, WORKERS, starved));
  const thresholds = compileThresholds(loadTest.spec.thresholds, declaredCustomMetrics(loadTest.spec));
  const plans = planShard(loadTest, WHOLE);
  const plannedMs = planDurationUs(plans) / 1000;
  const summarize = (run: MergedRun, outcome: RunOutcome, detail?: string, lostShards?: number[]) =>
    summarizeRun({ loadTest, plans, thresholds, run, outcome, detail, finishedAtMs: Date.now(), lostShards });
  const guard = shardGuard(options.policy);
  // Database URLs and setup first: a run that cannot reach its database should say so before any load.
  const beforeLoad =
    unresolvedPgUrl(loadTest, options.env) ?? (await postgresScriptError(options, 'setup', guard));
  if (beforeLoad) {
    const run = mergeSnapshots([], { nowMs: Date.now() });
    return { summary: analyzeSummary(summarize(run, 'failed', `nothing was sent: ${beforeLoad}`)) };
  }
  const hosts = startHosts(
    options,
    workers,
    freshTotalsNeeded({ thresholds, plans }) ? 1 : QUIET_FULL_SNAPSHOT_EVERY_S,
  );
  await Promise.all(hosts.map((h) => h.ready));
  // The coordinator shares the workers' cores: its first major GC must not fall in the first seconds of load,
  // nor in the start delay, which is the workers' time for their own.
  collectGarbage();
  const startAtEpochMs = Date.now() + START_DELAY_MS;
  for (const h of hosts) h.start(startAtEpochMs);

  const outcome = new LocalOutcome();
  const stopAll = () => {
    for (const h of hosts) h.stop();
  };
  const stopListening = listenForAbort(options.signal, outcome, stopAll);
  const live = {
    hosts,
    plans,
    thresholds,
    startAtEpochMs,
    plannedMs,
    outcome,
    stopAll,
    onLive: options.onLive,
  };
  const stopLiveMerge = startLiveMerge(live);
  const results = await awaitShards(hosts, plannedMs);
  stopLiveMerge();
  stopListening();
  const { lost, why } = lostShards(results);
  outcome.loseShards(lost, why);
  await Promise.all(hosts.map((h) => h.kill()));
  outcome.addDetail(await postgresScriptError(options, 'teardown', guard));
  const finals = results.map((r, i) => (r.status === 'fulfilled' ? r.value : hosts[i]?.latest()));
  const merged = mergeSnapshots(
    finals.filter((s): s is ShardSnapshot => s !== undefined),
    { nowMs: startAtEpochMs },
  );
  const lostAt = hosts.map((h) => h.lostAtEpochMs);
  const run = { ...merged, elapsedMs: loadElapsedMs(merged.elapsedMs, startAtEpochMs, lostAt) };
  const summary = summarize(run, outcome.outcome, outcome.detail, lost);
  // The target's own CPU and memory come from Prometheus once the run is over (when spec.analysis asks).
  return { summary: await addTargetResources(analyzeSummary(summary), loadTest, guard) };
}
