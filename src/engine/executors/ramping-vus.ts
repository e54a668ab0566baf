/** VUs ramp linearly between stage targets (closed model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import type { Scenario } from '../../api/schema.js';
import { basePlan, type Executor, gracefulRampDownMs, stagesDurationUs } from '../executor.js';
import { followVuTarget } from '../follow-vu-target.js';
import { largestShareBetween, type Shard, shareOf } from '../shard.js';

/** Global VU target at `tUs` into the scenario: linear between stage targets, floored. */
export function vuTargetAt(spec: Pick<Scenario, 'startVUs' | 'stages'>, tUs: number): number {
  let from = spec.startVUs ?? 0;
  let stageStart = 0;
  for (const stage of spec.stages ?? []) {
    const d = durationUs(stage.duration);
    if (tUs < stageStart + d) return Math.floor(from + ((stage.target - from) * (tUs - stageStart)) / d);
    stageStart += d;
    from = stage.target;
  }
  return Math.floor(from);
}

export function shardVuTargetAt(spec: Scenario, shard: Shard, tUs: number): number {
  return shareOf(vuTargetAt(spec, tUs), shard);
}

export const rampingVus: Executor = {
  type: 'ramping-vus',
  model: 'closed',
  required: ['stages'],
  optional: ['startVUs', 'gracefulRampDown'],
  validate(spec) {
    // At least one stage is a cross-field rule (src/manifest/cross-field-rules.ts).
    return (spec.stages ?? []).flatMap((s, i) =>
      Number.isInteger(s.target)
        ? []
        : [{ path: `stages[${i}].target`, message: 'VU targets must be integers' }],
    );
  },
  plan(name, spec, shard) {
    const targets = [spec.startVUs ?? 0, ...(spec.stages ?? []).map((s) => s.target)];
    const duration = stagesDurationUs(spec.stages ?? []);
    // The ramp passes every whole target between the lowest and the highest (vuTargetAt floors).
    const vus = largestShareBetween(
      Math.floor(Math.min(...targets)),
      Math.floor(Math.max(...targets)),
      shard,
    );
    return basePlan(name, spec, shard, {
      executor: 'ramping-vus',
      model: 'closed',
      durationUs: duration,
      maxVUs: vus,
      vusAtStart: Math.min(vus, shardVuTargetAt(spec, shard, 0)),
      describe: `up to ${vus} VUs over ${spec.stages?.length} stages, ${formatDurationUs(duration)}`,
    });
  },
  run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    return followVuTarget(
      rt,
      plan.maxVUs,
      (elapsedUs) => shardVuTargetAt(plan.spec, plan.shard, elapsedUs),
      () => endMs,
      gracefulRampDownMs(plan.spec),
    );
  },
};
