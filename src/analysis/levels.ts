/**
 * Load levels (pure): merged per-second intervals plus the plan give one row per level: a breakpoint
 * scenario's steps and recovery, or the plateaus of a ramping scenario (stages that hold their target).
 */
import { durationUs } from '../api/duration.js';
import { DEFAULT_TIME_UNIT, type ScenarioPlan } from '../engine/executor.js';
import { type LevelWindow, steppedTimeline } from '../engine/stepping.js';
import { levelSeconds, settleSeconds } from '../engine/stop-stepping.js';
import { createIntervalHistogram } from '../metrics/histogram.js';
import type { MergedInterval } from '../metrics/merge.js';
import { ratePerSecond, spanWeightedMean } from '../metrics/seconds.js';
import type { SteppingStop } from '../metrics/snapshot.js';
import type { CompiledThreshold } from '../metrics/thresholds.js';
import {
  evaluateOnWindow,
  intervalsWithin,
  parseWindowCondition,
  thresholdsOnWindow,
} from '../metrics/window-expr.js';
import type { LevelSummary } from './model.js';

export interface LevelsInput {
  intervals: readonly MergedInterval[];
  plans: readonly ScenarioPlan[];
  /** Where breakpoint scenarios stopped stepping (MergedRun.scenarios[].stepping). */
  stops: ReadonlyMap<string, SteppingStop>;
  thresholds: readonly CompiledThreshold[];
}

/** One second of the recovery window, for the recovery time. */
export interface RecoverySecond {
  second: number;
  requests: number;
  failures: number;
  /** Null when no request of the second was answered (or timed out): no latency was measured. */
  p95Ms: number | null;
  /** A stop condition held over this second alone: judged as the levels are. */
  stopConditionHeld: boolean;
}

/**
 * Stop conditions a recovery second is judged by: how the target answered. Load measures (`http_reqs`,
 * `iterations`, `dropped_iterations`) are left out, as the recovery load is the first level's on purpose.
 */
const HEALTH_METRICS: ReadonlySet<string> = new Set([
  'http_req_duration',
  'errors',
  'http_req_failed',
  'checks',
]);

export interface LevelsResult {
  scenario: string;
  source: 'breakpoint' | 'stage-plateaus';
  levels: LevelSummary[];
  stopConditions: string[];
  stop: SteppingStop | undefined;
  /** The run second at which the load dropped to the recovery level. */
  recoveryFromSecond: number | undefined;
  recoverySeries: RecoverySecond[];
  method: string;
}

/** The first breakpoint scenario, else the first ramping scenario with at least two plateaus. */
export function computeLevels(input: LevelsInput): LevelsResult | undefined {
  for (const plan of input.plans) {
    if (plan.executor === 'breakpoint') return breakpointLevels(plan, input);
  }
  for (const plan of input.plans) {
    const windows = plateauWindows(plan);
    if (windows.length >= 2) return measure(plan, windows, 'stage-plateaus', input, [], undefined);
  }
  return undefined;
}

function breakpointLevels(plan: ScenarioPlan, input: LevelsInput): LevelsResult {
  const stop = input.stops.get(plan.scenario);
  const stopAtUs = stop ? Math.max(0, stop.stoppedAtMs * 1000 - plan.startOffsetUs) : undefined;
  const windows = steppedTimeline(plan.spec, stopAtUs);
  return measure(plan, windows, 'breakpoint', input, plan.spec.stopWhen ?? [], stop);
}

/** Ramping stages whose target equals the previous target: the load held still, one level each. */
export function plateauWindows(plan: ScenarioPlan): LevelWindow[] {
  if (plan.executor !== 'ramping-vus' && plan.executor !== 'ramping-arrival-rate') return [];
  const windows: LevelWindow[] = [];
  let previous = (plan.executor === 'ramping-vus' ? plan.spec.startVUs : plan.spec.startRate) ?? 0;
  let fromUs = 0;
  for (const stage of plan.spec.stages ?? []) {
    const toUs = fromUs + durationUs(stage.duration);
    if (stage.target === previous && stage.target > 0 && toUs > fromUs) {
      windows.push({ index: windows.length, phase: 'load', load: stage.target, fromUs, toUs });
    }
    previous = stage.target;
    fromUs = toUs;
  }
  return windows;
}

function measure(
  plan: ScenarioPlan,
  windows: readonly LevelWindow[],
  source: LevelsResult['source'],
  input: LevelsInput,
  stopConditions: string[],
  stop: SteppingStop | undefined,
): LevelsResult {
  const unit = levelUnit(plan);
  const conditions = stopConditions.map(parseWindowCondition);
  const health = conditions.filter((c) => HEALTH_METRICS.has(c.key.metric));
  const levels: LevelSummary[] = [];
  let skippedThresholds: string[] = [];
  let recoveryFromSecond: number | undefined;
  let recoverySeries: RecoverySecond[] = [];
  for (const w of windows) {
    const { from, to } = levelSeconds(plan, w);
    const window = intervalsWithin(input.intervals, from, to);
    if (w.phase === 'recovery') {
      recoveryFromSecond = (plan.startOffsetUs + w.fromUs) / 1e6;
      recoverySeries = window.map((i) => ({
        second: i.second,
        requests: i.requests,
        failures: i.failures,
        p95Ms: percentileMs([i], 95),
        stopConditionHeld: health.some((c) => evaluateOnWindow(c, [i]).held),
      }));
    }
    if (!window.length) continue;
    // Recovery rows are judged by the same stop conditions as the levels: a slow recovery is not "SLO met".
    const met = conditions.filter((c) => evaluateOnWindow(c, window).held);
    const slo = thresholdsOnWindow(input.thresholds, window);
    skippedThresholds = slo.skipped;
    levels.push({
      ...levelFigures(plan, w, window, unit, { from, to }),
      stopConditionsMet: met.map((c) => c.source),
      withinSlo: slo.passed && met.length === 0,
    });
  }
  const method = levelsMethod(plan, source, unit, windows, skippedThresholds);
  return {
    scenario: plan.scenario,
    source,
    levels,
    stopConditions,
    stop,
    recoveryFromSecond,
    recoverySeries,
    method,
  };
}

/** Levels count VUs for ramping-vus and VU-stepping breakpoints, iterations per second otherwise. */
function levelUnit(plan: ScenarioPlan): LevelSummary['unit'] {
  return plan.executor === 'ramping-vus' ||
    (plan.executor === 'breakpoint' && plan.spec.levels?.unit === 'vus')
    ? 'vus'
    : 'rate';
}

/** One level's measured figures from the per-second intervals wholly inside it. */
function levelFigures(
  plan: ScenarioPlan,
  w: LevelWindow,
  window: readonly MergedInterval[],
  unit: LevelSummary['unit'],
  seconds: { from: number; to: number },
): Omit<LevelSummary, 'stopConditionsMet' | 'withinSlo'> {
  // The contract's rate is per second, whatever timeUnit the manifest counts in.
  const perSecond = unit === 'rate' ? 1e6 / durationUs(plan.spec.timeUnit ?? DEFAULT_TIME_UNIT) : 1;
  const requests = window.reduce((n, i) => n + i.requests, 0);
  const failures = window.reduce((n, i) => n + i.failures, 0);
  const rss = window.flatMap((i) => (i.rssMb === undefined ? [] : [i.rssMb]));
  return {
    index: w.index,
    scenario: plan.scenario,
    unit,
    load: round(w.load * perSecond, 6),
    phase: w.phase,
    fromSecond: round(seconds.from, 3),
    toSecond: round(seconds.to, 3),
    requests,
    rps: round(ratePerSecond(requests, window) ?? 0),
    errorRate: requests ? round(failures / requests, 6) : 0,
    p50Ms: percentileMs(window, 50),
    p95Ms: percentileMs(window, 95),
    p99Ms: percentileMs(window, 99),
    // A partial second (the run ended inside the level) counts for its length, as in rps.
    generatorCpuPercent: round(spanWeightedMean(window, (i) => i.cpuPercent) ?? 0, 1),
    ...(rss.length ? { generatorRssMb: Math.max(...rss) } : {}),
  };
}

/** How the levels were measured, in words, for the report. */
function levelsMethod(
  plan: ScenarioPlan,
  source: LevelsResult['source'],
  unit: LevelSummary['unit'],
  windows: readonly LevelWindow[],
  skippedThresholds: readonly string[],
): string {
  const first = windows[0];
  const settle = first ? settleSeconds(first.toUs - first.fromUs) : 0;
  return (
    `${source === 'breakpoint' ? `breakpoint scenario ${plan.scenario}` : `the plateaus (stages holding their target) of ${plan.scenario}`}: ` +
    `per level (load in ${unit === 'vus' ? 'VUs' : 'iterations per second'}), the merged per-second intervals wholly inside it` +
    (settle ? `, skipping the first ${settle} s of each load level to let it settle` : '') +
    '; rps = requests / seconds; p50/p95/p99 from the merged per-second latency histograms (±1%); ' +
    'generator CPU is the mean (each second weighted by its length) and RSS the peak over the level. Per-second data covers every scenario of the run. ' +
    'withinSlo: every threshold held over the level and no stop condition did' +
    (skippedThresholds.length
      ? ` (not judged per level, as per-second data has no tags: ${skippedThresholds.join('; ')})`
      : '')
  );
}

/** Null without a sample: a level where every request failed has no latency, not a latency of 0 ms. */
function percentileMs(window: readonly MergedInterval[], p: number): number | null {
  const h = createIntervalHistogram();
  for (const i of window) h.add(i.duration);
  return h.totalCount ? Math.round(h.getValueAtPercentile(p)) / 1000 : null;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
