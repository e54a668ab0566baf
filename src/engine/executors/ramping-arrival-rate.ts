/** The start rate ramps linearly between stage targets (open model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { rampingSchedule, runArrivals } from '../arrival.js';
import { basePlan, DEFAULT_TIME_UNIT, type Executor, stagesDurationUs } from '../executor.js';
import { shareOf } from '../shard.js';

export const rampingArrivalRate: Executor = {
  type: 'ramping-arrival-rate',
  model: 'open',
  required: ['stages', 'preAllocatedVUs'],
  optional: ['startRate', 'timeUnit', 'maxVUs'],
  // Its stages and maxVUs rules are cross-field rules (src/manifest/cross-field-rules.ts).
  validate: () => [],
  plan(name, spec, shard) {
    const duration = stagesDurationUs(spec.stages ?? []);
    const maxVUs = shareOf(spec.maxVUs ?? (spec.preAllocatedVUs as number), shard);
    const peak = Math.max(spec.startRate ?? 0, ...(spec.stages ?? []).map((s) => s.target));
    return basePlan(name, spec, shard, {
      executor: 'ramping-arrival-rate',
      model: 'open',
      durationUs: duration,
      maxVUs,
      vusAtStart: Math.min(maxVUs, shareOf(spec.preAllocatedVUs as number, shard)),
      describe: `up to ${peak}/${spec.timeUnit ?? DEFAULT_TIME_UNIT} over ${spec.stages?.length} stages, ${formatDurationUs(duration)}`,
    });
  },
  run(plan, rt) {
    const spec = plan.spec;
    const schedule = rampingSchedule(
      spec.startRate ?? 0,
      spec.stages ?? [],
      durationUs(spec.timeUnit ?? DEFAULT_TIME_UNIT),
    );
    return runArrivals(plan, rt, schedule, plan.vusAtStart);
  },
};
