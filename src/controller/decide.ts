/**
 * The controller's brain: a pure function from what it observed to the status it should write and the
 * actions it should take. It never branches on a stored phase; the phase is worked out from the world
 * (the Job, the pods, what the runners say, whether the report exists) every time.
 */
import { analyzeSummary } from '../analysis/index.js';
import { WHOLE } from '../engine/shard.js';
import { planShard } from '../engine/shard-plan.js';
import { declaredCustomMetrics } from '../metrics/custom-metrics.js';
import { mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { compileThresholds } from '../metrics/thresholds.js';
import { summarizeRun } from '../report/outcome.js';
import type { RunOutcome } from '../report/summary.js';
import { setCondition } from './conditions.js';
import { type Context, indexesIn, type Runners } from './decide-context.js';
import { decideFinished, reportConflict } from './decide-finished.js';
import { decideStarted } from './decide-started.js';
import type { ControllerSettings, Decision, Observed, ObservedJob } from './model.js';
import { failedBeforeStart, runnerSpec } from './runner-spec.js';
import { notReadyReason, runnerCounts, runnerPhase } from './status-parts.js';

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
  const thresholds = compileThresholds(lt.spec.thresholds, declaredCustomMetrics(lt.spec));
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
