/** A fixed number of VUs loop over the flow for a duration (closed model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { basePlan, type Executor } from '../executor.js';
import { shareOf } from '../shard.js';

export const constantVus: Executor = {
  type: 'constant-vus',
  model: 'closed',
  required: ['vus', 'duration'],
  optional: [],
  validate: () => [],
  plan(name, spec, shard) {
    const vus = shareOf(spec.vus as number, shard);
    const duration = durationUs(spec.duration as string);
    return basePlan(name, spec, shard, {
      executor: 'constant-vus',
      model: 'closed',
      durationUs: duration,
      maxVUs: vus,
      vusAtStart: vus,
      describe: `${vus} VUs for ${formatDurationUs(duration)}`,
    });
  },
  async run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    for (let i = 0; i < plan.maxVUs; i++) void rt.loopVU(rt.newVU(), () => rt.nowMs() < endMs);
    await rt.waitUntil(endMs);
  },
};
