/**
 * The controller's brain: a pure function from what it observed to the status it should write and the
 * actions it should take. It never branches on a stored phase; the phase is worked out from the world
 * (the Job, the pods, what the runners say, whether the report exists) every time.
 */
import { analyzeSummary } from '../analysis/index.js';
import { WHOLE } from '../engine/shard.js';
import { planDurationUs, planShard } from '../engine/shard-runner.js';
import { steppingLookbackSeconds } from '../engine/stop-stepping.js';
import { type MergedRun, mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { abortingThreshold, compileThresholds } from '../metrics/thresholds.js';
import { comparisonVerdictLine } from '../report/compare-table.js';
import { runOutcome, summarizeRun } from '../report/outcome.js';
import type { RunOutcome, Summary } from '../report/summary.js';
import { judgeBaseline } from './baseline.js';
import { setCondition } from './conditions.js';
import { checkpointActions } from './decide-checkpoint.js';
import { decideFinished, reportConflict } from './decide-finished.js';
import { steppingActions } from './decide-stepping.js';
import type { Action, ControllerSettings, Decision, Observed, ObservedJob } from './model.js';
import { failedBeforeStart, runnerSpec } from './runner-spec.js';
import { notReadyReason, percentString, runnerCounts, runnerPhase, statusFigures } from './status-parts.js';

/** What every step of one decision reads: the observed world, the settings and the clock. */
interface Context {
  observed: Observed;
  settings: ControllerSettings;
  lt: Observed['loadTest'];
  nowMs: number;
  now: Date;
  generation: number;
  previous: NonNullable<Observed['loadTest']['status']>;
  desired: number;
  actions: Action[];
}

/** The runners as observed: each one's phase, the shared start, and the merged results so far. */
interface Runners {
  startAt: number | undefined;
  phases: ReturnType<typeof runnerPhase>[];
  counts: ReturnType<typeof runnerCounts>;
  started: boolean;
  plans: ReturnType<typeof planShard>;
  thresholds: ReturnType<typeof compileThresholds>;
  snapshots: ShardSnapshot[];
  summarize(outcome: RunOutcome, detail: string | undefined, run?: MergedRun): Summary;
}

export function decide(observed: Observed, settings: ControllerSettings): Decision {
  // 1. The report exists: the test is over; its summary is the truth.
  if (observed.report) return decideFinished(observed, observed.report, settings);
  if (observed.foreignReport) return reportConflict(observed, observed.foreignReport);
  const ctx = contextOf(observed, settings);
  // 2. Make sure the children exist (create-if-absent; AlreadyExists counts as success).
  const provisioning = ensureChildren(ctx);
  if (provisioning) return provisioning;
  const runners = runnersOf(ctx);
  // 3. Not started yet: wait for every runner, then start them all at one instant.
  if (!runners.started) return decideBeforeStart(ctx, runners);
  // 4. Started: keep them going, abort on a failing abortOnFail threshold, finish when all are done or lost.
  return decideStarted(ctx, runners);
}

function contextOf(observed: Observed, settings: ControllerSettings): Context {
  const { loadTest: lt, nowMs } = observed;
  return {
    observed,
    settings,
    lt,
    nowMs,
    now: new Date(nowMs),
    generation: lt.metadata.generation,
    previous: lt.status ?? {},
    desired: lt.spec.runners ?? 1,
    actions: [],
  };
}

function ensureChildren(ctx: Context): Decision | undefined {
  const { observed, lt, previous, generation, desired, actions, now } = ctx;
  if (!observed.job && !observed.specConfigMapExists) {
    // Failed before any runner existed (a feeder's ConfigMap): final for this generation, not retried.
    if (previous.phase === 'Failed' && previous.observedGeneration === generation)
      return { status: previous, actions: [], requeueAfterMs: undefined };
  }
  if (!observed.specConfigMapExists) {
    const spec = runnerSpec(lt, observed.feederSources ?? []);
    if (!spec.ok) return failedBeforeStart(lt, spec.reason, spec.message);
    actions.push({ kind: 'createSpecConfigMap', manifest: spec.manifest, files: spec.files });
  }
  if (observed.job) return undefined;
  actions.push({ kind: 'createJob' });
  actions.push({
    kind: 'event',
    type: 'Normal',
    reason: 'Provisioning',
    message: `creating ${desired} runner(s)`,
  });
  return {
    status: {
      ...previous,
      phase: 'Provisioning',
      observedGeneration: generation,
      runners: runnerCounts([], desired),
      conditions: setCondition(
        previous.conditions,
        'RunnersReady',
        'False',
        'Provisioning',
        'creating the runner Job',
        generation,
        now,
      ),
      message: `creating ${desired} runner(s)`,
    },
    actions,
    requeueAfterMs: 1000,
  };
}

function runnersOf(ctx: Context): Runners {
  const { observed, settings, lt, nowMs, previous, desired } = ctx;
  const failedIndexes = (observed.job as ObservedJob).failedIndexes; // ensureChildren returned without a Job
  const startAt =
    observed.runners.find((r) => r.state?.startAt !== undefined)?.state?.startAt ??
    (previous.startAt ? Date.parse(previous.startAt) : undefined);
  // A runner still not up long after the start will never join: count it lost so the test can finish.
  const lateLimitPassed = startAt !== undefined && nowMs - startAt > settings.readyTimeoutMs;
  const phases = observed.runners.map((r) => {
    const p = runnerPhase(r, failedIndexes);
    return p === 'pending' && lateLimitPassed ? 'lost' : p;
  });
  const started =
    phases.some((p) => p === 'running' || p === 'done') ||
    (startAt !== undefined && phases.some((p) => p === 'lost'));
  const plans = planShard(lt, WHOLE);
  const thresholds = compileThresholds(lt.spec.thresholds);
  const snapshots = observed.runners
    .map((r) => r.state?.snapshot ?? r.lastSnapshot)
    .filter((s): s is ShardSnapshot => s !== undefined && (s.done || s.elapsedMs > 0));
  // Reports merge everything; live status skips the per-second series, most of the decoding work.
  const summarize = (
    outcome: RunOutcome,
    detail: string | undefined,
    run = mergeSnapshots(snapshots, { nowMs }),
  ) =>
    analyzeSummary(
      summarizeRun({
        loadTest: lt,
        plans,
        thresholds,
        run,
        outcome,
        detail,
        finishedAtMs: nowMs,
        lostShards: indexesIn(phases, 'lost'),
      }),
    );
  const counts = runnerCounts(phases, desired);
  return { startAt, phases, counts, started, plans, thresholds, snapshots, summarize };
}

const indexesIn = (phases: readonly string[], ...wanted: string[]) =>
  phases.flatMap((p, i) => (wanted.includes(p) ? [i] : []));

function decideBeforeStart(ctx: Context, w: Runners): Decision {
  const { observed, settings, nowMs, previous, generation, desired, actions, now } = ctx;
  const waiting = indexesIn(w.phases, 'waiting');
  if (waiting.length === desired) return startAll(ctx, w, waiting);
  const waitedMs = nowMs - (observed.job as ObservedJob).createdAtMs;
  if (indexesIn(w.phases, 'lost').length || waitedMs > settings.readyTimeoutMs)
    return runnersNotReady(ctx, w, waitedMs);
  return {
    status: {
      ...previous,
      phase: 'Provisioning',
      observedGeneration: generation,
      runners: w.counts,
      conditions: setCondition(
        previous.conditions,
        'RunnersReady',
        'False',
        'Waiting',
        `${w.counts.ready}/${desired} runners ready`,
        generation,
        now,
      ),
      message: `waiting for runners: ${w.counts.ready}/${desired} ready`,
    },
    actions,
    requeueAfterMs: 1000,
  };
}

/** Every runner is ready: one shared start instant, a little ahead so all of them have it in time. */
function startAll(ctx: Context, w: Runners, waiting: number[]): Decision {
  const { settings, nowMs, previous, generation, desired, actions, now } = ctx;
  const at = nowMs + settings.startLeadMs;
  actions.push({ kind: 'startRunners', indexes: waiting, startAt: at });
  actions.push({
    kind: 'event',
    type: 'Normal',
    reason: 'Starting',
    message: `starting ${desired} runner(s) at ${new Date(at).toISOString()}`,
  });
  let conditions = setCondition(
    previous.conditions,
    'RunnersReady',
    'True',
    'AllReady',
    `${desired}/${desired} runners ready`,
    generation,
    now,
  );
  conditions = setCondition(
    conditions,
    'Started',
    'True',
    'StartSent',
    `shared start at ${new Date(at).toISOString()}`,
    generation,
    now,
  );
  return {
    status: {
      ...previous,
      phase: 'Ready',
      observedGeneration: generation,
      runners: w.counts,
      startAt: new Date(at).toISOString(),
      conditions,
      message: 'all runners ready; starting',
    },
    actions,
    requeueAfterMs: settings.startLeadMs,
  };
}

/** A runner was lost, or the ready timeout passed, before the start: the test fails with what is known. */
function runnersNotReady(ctx: Context, w: Runners, waitedMs: number): Decision {
  const { observed, previous, generation, desired, actions, now } = ctx;
  const why = observed.runners
    .filter((_, i) => w.phases[i] === 'pending' || w.phases[i] === 'lost')
    .map((r) => `runner ${r.index}: ${notReadyReason(r)}`)
    .join('; ');
  const detail = `${w.counts.ready} of ${desired} runners ready after ${Math.round(waitedMs / 1000)}s: ${why}`;
  // Every runner still up is told to stop: the waiting ones, and any that reported a failed setup.
  const up = observed.runners.filter((r) => r.pod?.phase === 'Running').map((r) => r.index);
  if (up.length) actions.push({ kind: 'stopRunners', indexes: up });
  actions.push({ kind: 'writeReport', summary: w.summarize('failed', detail) });
  actions.push({ kind: 'event', type: 'Warning', reason: 'RunnersNotReady', message: detail });
  return {
    status: {
      ...previous,
      phase: 'Failed',
      observedGeneration: generation,
      runners: w.counts,
      conditions: setCondition(
        previous.conditions,
        'RunnersReady',
        'False',
        'RunnersNotReady',
        detail,
        generation,
        now,
      ),
      message: detail,
    },
    actions,
    requeueAfterMs: 1000,
  };
}

function decideStarted(ctx: Context, w: Runners): Decision {
  const { observed, nowMs, actions } = ctx;
  // Runners that missed the start (a controller restart mid-fan-out) get the same instant.
  const missed = indexesIn(w.phases, 'waiting');
  if (missed.length && w.startAt !== undefined)
    actions.push({ kind: 'startRunners', indexes: missed, startAt: w.startAt });
  // Breakpoint scenarios judge their current level on per-second data; other runs skip that decoding.
  const lookback = steppingLookbackSeconds(w.plans);
  const run = mergeSnapshots(w.snapshots, {
    intervals: lookback ? { lastSeconds: lookback } : 'none',
    nowMs,
  });
  const abortedBy = abortDecision(ctx, w, run);
  const lost = indexesIn(w.phases, 'lost');
  if (w.phases.every((p) => p === 'done' || p === 'lost')) return finishRun(ctx, w, abortedBy, lost);
  actions.push(...checkpointActions(observed.runners));
  if (!abortedBy && w.startAt !== undefined) {
    actions.push(
      ...steppingActions({
        plans: w.plans,
        runners: observed.runners.map((r, i) => ({
          index: r.index,
          snapshot: r.state?.snapshot ?? r.lastSnapshot,
          running: w.phases[i] === 'running',
        })),
        intervals: run.intervals,
        elapsedMs: nowMs - w.startAt,
      }),
    );
  }
  return liveStatus(ctx, w, run, abortedBy, lost);
}

/** Why the run is being aborted (kept once set), with the stop orders and the Event it takes. */
function abortDecision(ctx: Context, w: Runners, run: MergedRun): string | undefined {
  const { previous, actions } = ctx;
  let abortedBy = previous.abortedBy;
  if (!abortedBy) {
    const failing = abortingThreshold(run, w.thresholds);
    if (failing) {
      abortedBy = `${failing.metric} ${failing.threshold} failed (abortOnFail)`;
      actions.push({
        kind: 'event',
        type: 'Warning',
        reason: 'ThresholdAbort',
        message: `${abortedBy}: stopping all runners`,
      });
    }
  }
  if (abortedBy) {
    const alive = indexesIn(w.phases, 'running', 'waiting');
    if (alive.length) actions.push({ kind: 'stopRunners', indexes: alive });
  }
  return abortedBy;
}

/**
 * Why shards were lost, as far as their pods say ("shard 1: OOMKilled, exit 137"); '' when none says.
 * `wrap` puts it in context: % stands for the text.
 */
function lostWhy(observed: Observed, lost: number[], wrap = '%'): string {
  const why = lost.flatMap((i) => {
    // A shard lost by its own answer (malformed snapshot) says so before its pod's state.
    const r = observed.runners[i];
    const reason = r?.problem ?? (r?.interrupted ? interruptedWhy(r.interrupted) : r?.pod?.reason);
    return reason ? [`shard ${i}: ${reason}`] : [];
  });
  return why.length ? wrap.replace('%', why.join(', ')) : '';
}

/** What a runner's `interrupted` signal means, for people reading the report. */
const interruptedWhy = (signal: string) =>
  `stopped early by ${signal} (pod deleted, evicted or past its deadline)`;

/** Every runner is done or lost: write the report (judged against the baseline) and say how it went. */
function finishRun(ctx: Context, w: Runners, abortedBy: string | undefined, lost: number[]): Decision {
  const { observed, lt, previous, generation, actions } = ctx;
  const { outcome, detail } = runOutcome(abortedBy, lost, lostWhy(observed, lost));
  const summary = judgeBaseline(w.summarize(outcome, detail), lt.spec.baseline, observed.baseline);
  actions.push({ kind: 'writeReport', summary });
  if (summary.baseline?.verdict === 'failed') {
    actions.push({
      kind: 'event',
      type: 'Warning',
      reason: 'BaselineRegressed',
      message: comparisonVerdictLine(summary.baseline),
    });
  }
  actions.push({
    kind: 'event',
    type: summary.verdict === 'passed' ? 'Normal' : 'Warning',
    reason: 'Finished',
    message: `${outcome}, verdict ${summary.verdict}: ${summary.totals.requests} requests, p95 ${summary.latency.p95Ms} ms, errors ${percentString(summary.totals.errorRate)}`,
  });
  return {
    status: {
      ...previous,
      ...statusFigures(summary),
      phase: 'Finishing',
      observedGeneration: generation,
      runners: w.counts,
      abortedBy,
      message: 'writing the report',
    },
    actions,
    requeueAfterMs: 500,
  };
}

/** Still running: live figures, conditions and progress from the merged snapshots. */
function liveStatus(
  ctx: Context,
  w: Runners,
  run: MergedRun,
  abortedBy: string | undefined,
  lost: number[],
): Decision {
  const { observed, settings, nowMs, previous, generation, desired, actions, now } = ctx;
  const live = w.summarize('completed', undefined, run);
  const plannedMs = planDurationUs(w.plans) / 1000;
  const elapsedMs = w.startAt !== undefined ? Math.max(0, nowMs - w.startAt) : 0;
  const failingNow = live.thresholds.filter((t) => !t.passed);
  let conditions = setCondition(
    previous.conditions,
    'RunnersReady',
    w.counts.lost ? 'False' : 'True',
    w.counts.lost ? 'RunnerLost' : 'AllReady',
    `${w.counts.ready}/${desired} ready, ${w.counts.lost} lost`,
    generation,
    now,
  );
  conditions = setCondition(
    conditions,
    'ThresholdsPassed',
    live.totals.requests === 0 || live.thresholds.length === 0
      ? 'Unknown'
      : failingNow.length
        ? 'False'
        : 'True',
    live.thresholds.length === 0 ? 'NoThresholds' : failingNow.length ? 'Failing' : 'Passing',
    failingNow.map((t) => `${t.metric} ${t.threshold}`).join('; ') || 'on merged data so far',
    generation,
    now,
  );
  const newlyLost = lost.filter((i) => !(previous.lostShards ?? []).includes(i));
  if (newlyLost.length) {
    actions.push({
      kind: 'event',
      type: 'Warning',
      reason: 'RunnerLost',
      message: `runner(s) ${newlyLost.join(', ')} lost${lostWhy(observed, newlyLost, ' (%)')}; keeping what they reported`,
    });
    // A runner lost by its own answer may still be sending load that can no longer be counted: stop it.
    const stillUp = observed.runners
      .filter((r) => newlyLost.includes(r.index) && r.problem && r.pod?.phase === 'Running')
      .map((r) => r.index);
    if (stillUp.length) actions.push({ kind: 'stopRunners', indexes: stillUp });
  }
  return {
    status: {
      ...previous,
      ...statusFigures(live),
      phase: abortedBy ? 'Finishing' : 'Running',
      observedGeneration: generation,
      runners: w.counts,
      conditions,
      ...(abortedBy ? { abortedBy } : {}),
      ...(w.startAt !== undefined ? { startAt: new Date(w.startAt).toISOString() } : {}),
      progressPercent: Math.min(99, Math.floor((100 * elapsedMs) / Math.max(1, plannedMs))),
      lostShards: lost,
      message: abortedBy ? `aborting: ${abortedBy}` : `running: ${w.counts.running}/${desired} runners`,
    },
    actions,
    requeueAfterMs: settings.pullIntervalMs,
  };
}
