/**
 * A closed-model VU pool that follows a changing target: VUs are created as the target rises; above a
 * lowered target a VU finishes its iteration and starts no other. Shared by ramping-vus and breakpoint.
 */
import type { ScenarioRuntime } from './scenario-runtime.js';
import type { VU } from './vu.js';

/** Re-evaluating the target 20 times a second follows ramps and level changes without a timer per VU. */
const TICK_MS = 50;

/**
 * Runs until `endMs()` (which may move, as when stepping stops) or until the runtime stops accepting work;
 * `targetAt(elapsedUs)` is this shard's VU target and `maxVUs` the plan's.
 */
export async function followVuTarget(
  rt: ScenarioRuntime,
  maxVUs: number,
  targetAt: (elapsedUs: number) => number,
  endMs: () => number,
): Promise<void> {
  const slots: { vu: VU; active: boolean; running: boolean }[] = [];
  const adjust = () => {
    // Plans make maxVUs the largest target this shard follows, so this never cuts load; it keeps a VU from
    // ever taking the next scenario's id and connection lane (numbered from maxVUs) should they disagree.
    const target = Math.min(maxVUs, targetAt((rt.nowMs() - rt.startMs) * 1000));
    while (slots.length < target) slots.push({ vu: rt.newVU(), active: false, running: false });
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as (typeof slots)[number];
      slot.active = i < target;
      if (slot.active && !slot.running) {
        slot.running = true;
        void rt
          .loopVU(slot.vu, () => slot.active && rt.nowMs() < endMs())
          .then(() => {
            slot.running = false;
          });
      }
    }
  };
  adjust();
  while (rt.accepting && rt.nowMs() < endMs()) {
    await rt.waitUntil(Math.min(endMs(), rt.nowMs() + TICK_MS));
    adjust();
  }
}
