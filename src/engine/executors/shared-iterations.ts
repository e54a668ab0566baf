/** VUs share a fixed pool of iterations (closed model), bounded by maxDuration. */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import type { Scenario } from '../../api/schema.js';
import { basePlan, DEFAULT_MAX_DURATION, type Executor } from '../executor.js';
import { iterationShareOf, type Shard, shareOf } from '../shard.js';

/** This shard's part of the pool, in proportion to its VUs, so a shard without VUs owns none. */
function iterationsOf(spec: Scenario, shard: Shard): number {
  return iterationShareOf(spec.iterations as number, spec.vus as number, shard);
}

export const sharedIterations: Executor = {
  type: 'shared-iterations',
  model: 'closed',
  required: ['vus', 'iterations'],
  optional: ['maxDuration'],
  // iterations >= vus is a cross-field rule (src/manifest/cross-field-rules.ts).
  validate: () => [],
  plan(name, spec, shard) {
    // Exactly `vus` VUs across all shards: a serial test (vus: 1) stays serial however many shards run it.
    const vus = shareOf(spec.vus as number, shard);
    const iterations = iterationsOf(spec, shard);
    const max = durationUs(spec.maxDuration ?? DEFAULT_MAX_DURATION);
    return basePlan(name, spec, shard, {
      executor: 'shared-iterations',
      model: 'closed',
      durationUs: max,
      maxVUs: vus,
      vusAtStart: vus,
      describe: `${iterations} iterations shared by ${vus} VUs (max ${formatDurationUs(max)})`,
    });
  },
  async run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    let remaining = iterationsOf(plan.spec, plan.shard);
    const loops = [];
    for (let i = 0; i < plan.maxVUs; i++)
      loops.push(rt.loopVU(rt.newVU(), () => remaining-- > 0 && rt.nowMs() < endMs));
    await Promise.race([Promise.all(loops), rt.waitUntil(endMs)]);
  },
};
