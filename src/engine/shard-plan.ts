/**
 * A shard's plan: each scenario's share of the load on this shard, and how long the longest can take. Pure:
 * the controller, validation and the local coordinator plan with it without loading the load engine.
 */
import type { LoadTest } from '../api/schema.js';
import type { ScenarioPlan } from './executor.js';
import { EXECUTOR_REGISTRY } from './executors/index.js';
import type { Shard } from './shard.js';

export function planShard(loadTest: LoadTest, shard: Shard): ScenarioPlan[] {
  return Object.entries(loadTest.spec.scenarios).map(([name, spec]) =>
    EXECUTOR_REGISTRY[spec.executor].plan(name, spec, shard),
  );
}

/** Longest time any scenario can take, graceful stops included (a per-VU teardown gets one more). */
export function planDurationUs(plans: readonly ScenarioPlan[]): number {
  return Math.max(
    0,
    ...plans.map(
      (p) => p.startOffsetUs + p.durationUs + p.gracefulStopUs * (p.spec.lifecycle?.teardown ? 2 : 1),
    ),
  );
}
