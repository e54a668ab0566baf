/**
 * The controller's brain: a pure function from what it observed to the status it should write and the
 * actions it should take. It never branches on a stored phase; the phase is worked out from the world
 * (the Job, the pods, what the runners say, whether the report exists) every time.
 */
import { analyzeSummary } from '../analysis/index.js';
import { planDurationUs, planShard } from '../engine/shard-runner.js';
import { steppingLookbackSeconds } from '../engine/stop-stepping.js';
import { mergeSnapshots } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { abortingThreshold, compileThresholds, evaluateThresholds } from '../metrics/thresholds.js';
import { comparisonVerdictLine } from '../report/compare-table.js';
import { buildSummary, type RunOutcome } from '../report/summary.js';
import { judgeBaseline } from './baseline.js';
import { setCondition } from './conditions.js';
import { checkpointActions } from './decide-checkpoint.js';
import { decideFinished, reportConflict } from './decide-finished.js';
import { steppingActions } from './decide-stepping.js';
import type { Action, ControllerSettings, Decision, Observed } from './model.js';
import { failedBeforeStart, runnerSpec } from './runner-spec.js';
import {
  notReadyReason,
  percentString,
  runnerCounts,
  runnerPhase,
  runnerProblems,
  statusFigures,
} from './status-parts.js';

export function decide(observed: Observed, settings: ControllerSettings): Decision {
  const { loadTest: lt, nowMs } = observed;
  const now = new Date(nowMs);
  const generation = lt.metadata.generation;
  const previous = lt.status ?? {};
  const desired = lt.spec.runners ?? 1;
  const actions: Action[] = [];
  const cond = setCondition;

  // 1. The report exists: the test is over; its summary is the truth.
  if (observed.report) return decideFinished(observed, observed.report, settings);
  if (observed.foreignReport) return reportConflict(observed, observed.foreignReport);

  // 2. Make sure the children exist (create-if-absent; AlreadyExists counts as success).
  if (!observed.job && !observed.specConfigMapExists) {
    // Failed before any runner existed (a feeder's ConfigMap): final for this generation, not retried.
    if (previous.phase === 'Failed' && previous.observedGeneration === generation)
      return { status: previous, actions: [], requeueAfterMs: undefined };
  }
  if (!observed.specConfigMapExists) {
    const spec = runnerSpec(lt, observed.feederSources ?? []);
    if (!spec.ok) return failedBeforeStart(lt, spec.reason, spec.message);
    actions.push({ kind: 'createSpecConfigMap', manifest: spec.manifest });
  }
  if (!observed.job) {
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
        conditions: cond(
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

  const failedIndexes = observed.job.failedIndexes;
  const startAt =
    observed.runners.find((r) => r.state?.startAt !== undefined)?.state?.startAt ??
    (previous.startAt ? Date.parse(previous.startAt) : undefined);
  // A runner still not up long after the start will never join: count it lost so the test can finish.
  const lateLimitPassed = startAt !== undefined && nowMs - startAt > settings.readyTimeoutMs;
  const phases = observed.runners.map((r) => {
    const p = runnerPhase(r, failedIndexes);
    return p === 'pending' && lateLimitPassed ? 'lost' : p;
  });
  const runners = runnerCounts(phases, desired);
  const started =
    phases.some((p) => p === 'running' || p === 'done') ||
    (startAt !== undefined && phases.some((p) => p === 'lost'));
  const plans = planShard(lt, { index: 0, total: 1 });
  const thresholds = compileThresholds(lt.spec.thresholds);
  const snapshots = observed.runners
    .map((r) => r.state?.snapshot ?? r.lastSnapshot)
    .filter((s): s is ShardSnapshot => s !== undefined && (s.done || s.elapsedMs > 0));
  // Reports merge everything; live status skips the per-second series, most of the decoding work.
  const summarize = (outcome: RunOutcome, detail: string | undefined, run = mergeSnapshots(snapshots)) =>
    analyzeSummary(
      buildSummary({
        name: lt.metadata.name,
        namespace: lt.metadata.namespace,
        target: lt.spec.target.baseURL,
        run,
        plans,
        thresholds: evaluateThresholds(run, thresholds),
        thresholdRules: thresholds,
        outcome,
        ...(detail ? { outcomeDetail: detail } : {}),
        finishedAtMs: nowMs,
        lostShards: phases.flatMap((p, i) => (p === 'lost' ? [i] : [])),
      }),
    );

  // 3. Not started yet: wait for every runner, then start them all at one instant.
  if (!started) {
    const waiting = phases.flatMap((p, i) => (p === 'waiting' ? [i] : []));
    const lost = phases.flatMap((p, i) => (p === 'lost' ? [i] : []));
    if (waiting.length === desired) {
      const at = nowMs + settings.startLeadMs;
      actions.push({ kind: 'startRunners', indexes: waiting, startAt: at });
      actions.push({
        kind: 'event',
        type: 'Normal',
        reason: 'Starting',
        message: `starting ${desired} runner(s) at ${new Date(at).toISOString()}`,
      });
      let conditions = cond(
        previous.conditions,
        'RunnersReady',
        'True',
        'AllReady',
        `${desired}/${desired} runners ready`,
        generation,
        now,
      );
      conditions = cond(
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
          runners,
          startAt: new Date(at).toISOString(),
          conditions,
          message: 'all runners ready; starting',
        },
        actions,
        requeueAfterMs: settings.startLeadMs,
      };
    }
    const waitedMs = nowMs - observed.job.createdAtMs;
    if (lost.length || waitedMs > settings.readyTimeoutMs) {
      const why = observed.runners
        .filter((_, i) => phases[i] === 'pending' || phases[i] === 'lost')
        .map((r) => `runner ${r.index}: ${notReadyReason(r)}`)
        .join('; ');
      const detail = `${runners.ready} of ${desired} runners ready after ${Math.round(waitedMs / 1000)}s: ${why}`;
      // Every runner still up is told to stop: the waiting ones, and any that reported a failed setup.
      const up = observed.runners.filter((r) => r.pod?.phase === 'Running').map((r) => r.index);
      if (up.length) actions.push({ kind: 'stopRunners', indexes: up });
      actions.push({ kind: 'writeReport', summary: summarize('failed', detail) });
      actions.push({ kind: 'event', type: 'Warning', reason: 'RunnersNotReady', message: detail });
      return {
        status: {
          ...previous,
          phase: 'Failed',
          observedGeneration: generation,
          runners,
          conditions: cond(
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
    return {
      status: {
        ...previous,
        phase: 'Provisioning',
        observedGeneration: generation,
        runners,
        conditions: cond(
          previous.conditions,
          'RunnersReady',
          'False',
          'Waiting',
          `${runners.ready}/${desired} runners ready`,
          generation,
          now,
        ),
        message: `waiting for runners: ${runners.ready}/${desired} ready`,
      },
      actions,
      requeueAfterMs: 1000,
    };
  }

  // 4. Started: runners that missed the start (a controller restart mid-fan-out) get the same instant.
  const missed = phases.flatMap((p, i) => (p === 'waiting' ? [i] : []));
  if (missed.length && startAt !== undefined)
    actions.push({ kind: 'startRunners', indexes: missed, startAt });

  // Breakpoint scenarios judge their current level on per-second data; other runs skip that decoding.
  const lookback = steppingLookbackSeconds(plans);
  const run = mergeSnapshots(snapshots, { intervals: lookback ? { lastSeconds: lookback } : 'none' });
  let abortedBy = previous.abortedBy;
  if (!abortedBy) {
    const failing = abortingThreshold(run, thresholds);
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
    const alive = phases.flatMap((p, i) => (p === 'running' || p === 'waiting' ? [i] : []));
    if (alive.length) actions.push({ kind: 'stopRunners', indexes: alive });
  }
  const lost = phases.flatMap((p, i) => (p === 'lost' ? [i] : []));
  const finished = phases.every((p) => p === 'done' || p === 'lost');
  if (finished) {
    const outcome: RunOutcome = abortedBy ? 'aborted-by-threshold' : lost.length ? 'failed' : 'completed';
    const problems = runnerProblems(observed.runners);
    const detail =
      abortedBy ??
      (lost.length
        ? `lost shard(s) ${lost.join(', ')}${problems ? ` (${problems})` : ''}: results include everything they reported before`
        : undefined);
    const summary = judgeBaseline(summarize(outcome, detail), lt.spec.baseline, observed.baseline);
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
        runners,
        abortedBy,
        message: 'writing the report',
      },
      actions,
      requeueAfterMs: 500,
    };
  }
  actions.push(...checkpointActions(observed.runners));
  if (!abortedBy && startAt !== undefined) {
    actions.push(
      ...steppingActions({
        plans,
        runners: observed.runners.map((r, i) => ({
          index: r.index,
          snapshot: r.state?.snapshot ?? r.lastSnapshot,
          running: phases[i] === 'running',
        })),
        intervals: run.intervals,
        elapsedMs: nowMs - startAt,
      }),
    );
  }
  const live = summarize('completed', undefined, run);
  const plannedMs = planDurationUs(plans) / 1000;
  const elapsedMs = startAt !== undefined ? Math.max(0, nowMs - startAt) : 0;
  const failingNow = live.thresholds.filter((t) => !t.passed);
  let conditions = cond(
    previous.conditions,
    'RunnersReady',
    runners.lost ? 'False' : 'True',
    runners.lost ? 'RunnerLost' : 'AllReady',
    `${runners.ready}/${desired} ready, ${runners.lost} lost`,
    generation,
    now,
  );
  conditions = cond(
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
    const problems = runnerProblems(observed.runners.filter((r) => newlyLost.includes(r.index)));
    actions.push({
      kind: 'event',
      type: 'Warning',
      reason: 'RunnerLost',
      message: `runner(s) ${newlyLost.join(', ')} lost${problems ? ` (${problems})` : ''}; keeping what they reported`,
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
      runners,
      conditions,
      ...(abortedBy ? { abortedBy } : {}),
      ...(startAt !== undefined ? { startAt: new Date(startAt).toISOString() } : {}),
      progressPercent: Math.min(99, Math.floor((100 * elapsedMs) / Math.max(1, plannedMs))),
      lostShards: lost,
      message: abortedBy ? `aborting: ${abortedBy}` : `running: ${runners.running}/${desired} runners`,
    },
    actions,
    requeueAfterMs: settings.pullIntervalMs,
  };
}
