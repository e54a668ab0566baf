/**
 * Steps VUs (closed model) or the arrival rate (open model) up level by level until a stop condition holds
 * on merged data or the last level ends, then optionally holds the baseline load to measure recovery. The
 * schedule is the plan's (src/engine/stepping.ts); shards only learn when stepping stops.
 */
import { durationUs, formatDurationUs, parseDurationUs } from '../../api/duration.js';
import type { Scenario } from '../../api/schema.js';
import type { Problem } from '../../api/schema-check.js';
import { parseWindowCondition } from '../../metrics/window-expr.js';
import { type ArrivalSchedule, piecewiseSchedule, runArrivals } from '../arrival.js';
import {
  basePlan,
  DEFAULT_TIME_UNIT,
  type Executor,
  gracefulRampDownMs,
  type ScenarioPlan,
} from '../executor.js';
import { followVuTarget } from '../follow-vu-target.js';
import type { ScenarioRuntime } from '../scenario-runtime.js';
import { largestShare, shareOf } from '../shard.js';
import { levelLoads, MAX_LEVELS, steppedTimeline, timelineEndUs, windowAt } from '../stepping.js';

/** Checks beyond the cross-field rules on levels (src/manifest/cross-field-rules.ts). */
function validate(spec: Scenario): Problem[] {
  const problems: Problem[] = [];
  const levels = spec.levels;
  if (!levels) return problems;
  // Levels are judged and reported on whole per-second intervals.
  if ((parseDurationUs(levels.duration) ?? 0) < 1_000_000)
    problems.push({
      path: 'levels.duration',
      message: 'must be at least 1s: levels are measured per second',
    });
  const count = Math.floor((levels.max - levels.start) / levels.step + 1e-9) + 1;
  if (count > MAX_LEVELS)
    problems.push({ path: 'levels', message: `gives ${count} levels; at most ${MAX_LEVELS} are allowed` });
  if (levels.unit === 'vus') {
    for (const field of ['start', 'step', 'max'] as const) {
      if (!Number.isInteger(levels[field]))
        problems.push({ path: `levels.${field}`, message: 'VU levels must be whole numbers' });
    }
    if (spec.recovery?.load !== undefined && !Number.isInteger(spec.recovery.load))
      problems.push({ path: 'recovery.load', message: 'VU levels must be whole numbers' });
  }
  (spec.stopWhen ?? []).forEach((source, i) => {
    try {
      parseWindowCondition(source);
    } catch (error) {
      problems.push({ path: `stopWhen[${i}]`, message: (error as Error).message });
    }
  });
  return problems;
}

export const breakpoint: Executor = {
  type: 'breakpoint',
  model: 'closed',
  required: ['levels'],
  optional: ['stopWhen', 'recovery', 'timeUnit', 'preAllocatedVUs', 'maxVUs', 'gracefulRampDown'],
  validate,
  plan(name, spec, shard) {
    const levels = spec.levels as NonNullable<Scenario['levels']>;
    const rate = levels.unit === 'rate';
    const loads = levelLoads(levels);
    const duration = timelineEndUs(steppedTimeline(spec));
    // VU levels: the most this shard runs at any level, the recovery's included (it defaults to a level).
    const maxVUs = rate
      ? shareOf(spec.maxVUs ?? (spec.preAllocatedVUs as number), shard)
      : largestShare([...loads, spec.recovery?.load ?? 0], shard);
    const unit = rate ? `/${spec.timeUnit ?? DEFAULT_TIME_UNIT}` : ' VUs';
    return basePlan(name, spec, shard, {
      executor: 'breakpoint',
      model: rate ? 'open' : 'closed',
      durationUs: duration,
      maxVUs,
      // Rate levels start with the pre-allocated VUs; VU levels with the first level's.
      vusAtStart: Math.min(
        maxVUs,
        shareOf(rate ? (spec.preAllocatedVUs as number) : (loads[0] as number), shard),
      ),
      describe:
        `${loads.length} levels of ${formatDurationUs(durationUs(levels.duration))}, ${levels.start} to ${loads.at(-1)}${unit}` +
        (spec.stopWhen?.length ? `, until ${spec.stopWhen.join(' or ')}` : '') +
        (spec.recovery ? `, then ${formatDurationUs(durationUs(spec.recovery.duration))} recovery` : ''),
    });
  },
  run(plan, rt) {
    return plan.spec.levels?.unit === 'rate' ? runRate(plan, rt) : runVus(plan, rt);
  },
};

/** The timeline as the shard knows it now: cut where stepping was told to stop. */
function currentTimeline(plan: ScenarioPlan, rt: ScenarioRuntime) {
  return steppedTimeline(plan.spec, rt.steppingStopUs);
}

function runVus(plan: ScenarioPlan, rt: ScenarioRuntime): Promise<void> {
  let windows = currentTimeline(plan, rt);
  let stopUs = rt.steppingStopUs;
  // When stepping stops, the timeline (and so the end) is rebuilt from the cut.
  const timeline = () => {
    if (rt.steppingStopUs !== stopUs) {
      stopUs = rt.steppingStopUs;
      windows = currentTimeline(plan, rt);
    }
    return windows;
  };
  return followVuTarget(
    rt,
    plan.maxVUs,
    (elapsedUs) => {
      const window = windowAt(timeline(), elapsedUs);
      return window ? shareOf(window.load, plan.shard) : 0;
    },
    () => rt.startMs + timelineEndUs(timeline()) / 1000,
    gracefulRampDownMs(plan.spec),
  );
}

function runRate(plan: ScenarioPlan, rt: ScenarioRuntime): Promise<void> {
  const timeUnitUs = durationUs(plan.spec.timeUnit ?? DEFAULT_TIME_UNIT);
  const build = (): ArrivalSchedule =>
    piecewiseSchedule(
      currentTimeline(plan, rt).map((w) => ({
        startUs: w.fromUs,
        durationUs: w.toUs - w.fromUs,
        r0: w.load / timeUnitUs,
        r1: w.load / timeUnitUs,
      })),
    );
  let stopUs = rt.steppingStopUs;
  let schedule = build();
  // The global schedule is the same on every shard; when stepping stops, each rebuilds it from the cut.
  const current: ArrivalSchedule = (k) => {
    if (rt.steppingStopUs !== stopUs) {
      stopUs = rt.steppingStopUs;
      schedule = build();
    }
    return schedule(k);
  };
  return runArrivals(plan, rt, current, plan.vusAtStart);
}
