/** Iterations start at a fixed rate regardless of how fast the target answers (open model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { constantSchedule, runArrivals } from '../arrival.js';
import { basePlan, DEFAULT_TIME_UNIT, type Executor } from '../executor.js';
import { shareOf } from '../shard.js';

export const constantArrivalRate: Executor = {
  type: 'constant-arrival-rate',
  model: 'open',
  required: ['rate', 'duration', 'preAllocatedVUs'],
  optional: ['timeUnit', 'maxVUs'],
  // maxVUs >= preAllocatedVUs is a cross-field rule (src/manifest/cross-field-rules.ts).
  validate: () => [],
  plan(name, spec, shard) {
    const duration = durationUs(spec.duration as string);
    const maxVUs = shareOf(spec.maxVUs ?? (spec.preAllocatedVUs as number), shard);
    return basePlan(name, spec, shard, {
      executor: 'constant-arrival-rate',
      model: 'open',
      durationUs: duration,
      maxVUs,
      vusAtStart: Math.min(maxVUs, shareOf(spec.preAllocatedVUs as number, shard)),
      describe: `${spec.rate}/${spec.timeUnit ?? DEFAULT_TIME_UNIT} for ${formatDurationUs(duration)} (shard ${shard.index + 1}/${shard.total}, up to ${maxVUs} VUs)`,
    });
  },
  run(plan, rt) {
    const spec = plan.spec;
    const schedule = constantSchedule(
      spec.rate as number,
      durationUs(spec.timeUnit ?? DEFAULT_TIME_UNIT),
      plan.durationUs,
    );
    return runArrivals(plan, rt, schedule, plan.vusAtStart);
  },
};
