/**
 * The decision once the runners have started: keep them going, abort on a failing abortOnFail threshold,
 * report lost runners, and finish when every runner is done or lost.
 */
import { planDurationUs } from '../engine/shard-plan.js';
import { steppingLookbackSeconds } from '../engine/stop-stepping.js';
import { type MergedRun, mergeSnapshots } from '../metrics/merge.js';
import { abortingThreshold } from '../metrics/thresholds.js';
import { comparisonVerdictLine } from '../report/compare-table.js';
import { runOutcome, withDetails } from '../report/outcome.js';
import { judgeBaseline } from './baseline.js';
import { setCondition } from './conditions.js';
import { checkpointActions } from './decide-checkpoint.js';
import { type Context, indexesIn, type Runners } from './decide-context.js';
import { steppingActions } from './decide-stepping.js';
import type { Decision, Observed } from './model.js';
import { percentString, statusFigures } from './status-parts.js';

export function decideStarted(ctx: Context, w: Runners): Decision {
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

/** What a runner's `interrupted` signal means, for people reading the report. */
const interruptedWhy = (signal: string) =>
  `stopped early by ${signal} (pod deleted, evicted or past its deadline)`;

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

/** Every runner is done or lost: write the report (judged against the baseline) and say how it went. */
function finishRun(ctx: Context, w: Runners, abortedBy: string | undefined, lost: number[]): Decision {
  const { observed, lt, previous, generation, actions } = ctx;
  const ran = runOutcome(abortedBy, lost, lostWhy(observed, lost));
  // As locally: a failed teardown does not change the outcome, but the report says so.
  const detail = withDetails(
    ran.detail,
    observed.runners.map((r) => r.teardownError),
  );
  const outcome = ran.outcome;
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
    message: `${outcome}, verdict ${summary.verdict}: ${summary.totals.requests} requests, p95 ${summary.latency.count ? `${summary.latency.p95Ms} ms` : 'no data'}, errors ${percentString(summary.totals.errorRate)}`,
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
