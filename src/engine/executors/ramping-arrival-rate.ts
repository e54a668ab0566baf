/** The start rate ramps linearly between stage targets (open model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { rampingSchedule, runArrivals } from '../arrival.js';
import { basePlan, DEFAULT_TIME_UNIT, type Executor, stagesDurationUs } from '../executor.js';
import { shareOf } from '../shard.js';
import { arrivalVuProblems } from './arrival-vus.js';

export const rampingArrivalRate: Executor = {
  type: 'ramping-arrival-rate',
  model: 'open',
  required: ['stages', 'preAllocatedVUs'],
  optional: ['startRate', 'timeUnit', 'maxVUs'],
  validate(spec) {
    const problems = arrivalVuProblems(spec);
    if (!spec.stages?.length) problems.push({ path: 'stages', message: 'needs at least 1 stage' });
    return problems;
  },
  plan(name, spec, shard) {
    const duration = stagesDurationUs(spec.stages ?? []);
    const maxVUs = shareOf(spec.maxVUs ?? (spec.preAllocatedVUs as number), shard);
    const peak = Math.max(spec.startRate ?? 0, ...(spec.stages ?? []).map((s) => s.target));
    return basePlan(name, spec, shard, {
      executor: 'ramping-arrival-rate',
      model: 'open',
      durationUs: duration,
      maxVUs,
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
    return runArrivals(
      plan,
      rt,
      schedule,
      Math.min(plan.maxVUs, shareOf(spec.preAllocatedVUs as number, plan.shard)),
    );
  },
};
