/** VUs share a fixed pool of iterations (closed model), bounded by maxDuration. */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import { basePlan, DEFAULT_MAX_DURATION, type Executor } from '../executor.js';
import { shareOf } from '../shard.js';

export const sharedIterations: Executor = {
  type: 'shared-iterations',
  model: 'closed',
  required: ['vus', 'iterations'],
  optional: ['maxDuration'],
  // iterations >= vus is a cross-field rule (src/manifest/cross-field-rules.ts).
  validate: () => [],
  plan(name, spec, shard) {
    const iterations = shareOf(spec.iterations as number, shard);
    // A shard that owns iterations always gets a VU, so no iteration is stranded by rounding.
    const vus = Math.max(shareOf(spec.vus as number, shard), iterations > 0 ? 1 : 0);
    const max = durationUs(spec.maxDuration ?? DEFAULT_MAX_DURATION);
    return basePlan(name, spec, shard, {
      executor: 'shared-iterations',
      model: 'closed',
      durationUs: max,
      maxVUs: vus,
      describe: `${iterations} iterations shared by ${vus} VUs (max ${formatDurationUs(max)})`,
    });
  },
  async run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    let remaining = shareOf(plan.spec.iterations as number, plan.shard);
    const loops = [];
    for (let i = 0; i < plan.maxVUs; i++)
      loops.push(rt.loopVU(rt.newVU(), () => remaining-- > 0 && rt.nowMs() < endMs));
    await Promise.race([Promise.all(loops), rt.waitUntil(endMs)]);
  },
};
