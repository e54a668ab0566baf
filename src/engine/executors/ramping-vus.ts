/** VUs ramp linearly between stage targets (closed model). */
import { durationUs, formatDurationUs } from '../../api/duration.js';
import type { Scenario } from '../../api/schema.js';
import { basePlan, type Executor, stagesDurationUs } from '../executor.js';
import { type Shard, shareOf } from '../shard.js';
import type { VU } from '../vu.js';

/** Re-evaluating the target 20 times a second keeps ramps smooth without a timer per VU. */
const RAMP_TICK_MS = 50;

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
    if (!spec.stages?.length) return [{ path: 'stages', message: 'needs at least 1 stage' }];
    return spec.stages.flatMap((s, i) =>
      Number.isInteger(s.target)
        ? []
        : [{ path: `stages[${i}].target`, message: 'VU targets must be integers' }],
    );
  },
  plan(name, spec, shard) {
    const peak = Math.max(spec.startVUs ?? 0, ...(spec.stages ?? []).map((s) => s.target));
    const duration = stagesDurationUs(spec.stages ?? []);
    const vus = shareOf(peak, shard);
    return basePlan(name, spec, shard, {
      executor: 'ramping-vus',
      model: 'closed',
      durationUs: duration,
      maxVUs: vus,
      describe: `up to ${vus} VUs over ${spec.stages?.length} stages, ${formatDurationUs(duration)}`,
    });
  },
  async run(plan, rt) {
    const endMs = rt.startMs + plan.durationUs / 1000;
    const slots: { vu: VU; active: boolean; running: boolean }[] = [];
    const adjust = () => {
      const target = shardVuTargetAt(plan.spec, plan.shard, (rt.nowMs() - rt.startMs) * 1000);
      while (slots.length < target) slots.push({ vu: rt.newVU(), active: false, running: false });
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as (typeof slots)[number];
        // Ramp-down lets a VU finish its iteration: it just does not start another.
        slot.active = i < target;
        if (slot.active && !slot.running) {
          slot.running = true;
          void rt
            .loopVU(slot.vu, () => slot.active && rt.nowMs() < endMs)
            .then(() => {
              slot.running = false;
            });
        }
      }
    };
    adjust();
    while (rt.accepting && rt.nowMs() < endMs) {
      await rt.waitUntil(Math.min(endMs, rt.nowMs() + RAMP_TICK_MS));
      adjust();
    }
  },
};
