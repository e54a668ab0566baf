/** Each VU runs the flow a fixed number of times (closed model), bounded by maxDuration. */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { basePlan, DEFAULT_MAX_DURATION, type Executor } from '../executor.js';
import { shareOf } from '../shard.js';

export const perVuIterations: Executor = {
  type: 'per-vu-iterations',
  model: 'closed',
  required: ['vus', 'iterations'],
  optional: ['maxDuration'],
  validate: () => [],
  plan(name, spec, shard) {
    const vus = shareOf(spec.vus as number, shard);
    const max = durationUs(spec.maxDuration ?? DEFAULT_MAX_DURATION);
    return basePlan(name, spec, shard, {
      executor: 'per-vu-iterations',
      model: 'closed',
      durationUs: max,
      maxVUs: vus,
      vusAtStart: vus,
      describe: `${vus} VUs x ${spec.iterations} iterations (max ${formatDurationUs(max)})`,
    });
  },
  async run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    const perVu = plan.spec.iterations as number;
    const loops = [];
    for (let i = 0; i < plan.maxVUs; i++) {
      let done = 0;
      loops.push(rt.loopVU(rt.newVU(), () => done++ < perVu && rt.nowMs() < endMs));
    }
    await Promise.race([Promise.all(loops), rt.waitUntil(endMs)]);
  },
};
