/**
 * A closed-model VU pool that follows a changing target: VUs are created as the target rises; above a
 * lowered target a VU finishes its iteration and starts no other, unless that iteration outlives its
 * ramp-down grace (gracefulRampDown), when it is interrupted. Shared by ramping-vus and breakpoint.
 */
import type { ScenarioRuntime } from './scenario-runtime.js';
import { setLongTimeout } from './timers.js';
import type { VU } from './vu.js';

/** Re-evaluating the target 20 times a second follows ramps and level changes without a timer per VU. */
const TICK_MS = 50;

/** A slot's ramp-down deadline: none, pending (its cancel function), or spent (the iteration was interrupted). */
type Grace = undefined | (() => void) | 'spent';

interface Slot {
  vu: VU;
  active: boolean;
  /** Its loop has not returned (an interrupted iteration's request may still be in flight). */
  running: boolean;
  grace: Grace;
}

export type SlotAction = 'start' | 'arm' | 'disarm' | 'none';

/**
 * What a slot needs when the target makes it `active` or not: a loop started; a deadline armed for the
 * iteration a ramped-down VU is running; that deadline lifted when the VU is wanted again before it; or
 * nothing. A loop whose iteration was interrupted is left to return; a later tick starts it again if wanted.
 */
export function slotAction(active: boolean, running: boolean, grace: Grace): SlotAction {
  if (active) {
    if (typeof grace === 'function') return 'disarm';
    return running ? 'none' : 'start';
  }
  return running && grace === undefined ? 'arm' : 'none';
}

/**
 * Runs until `endMs()` (which may move, as when stepping stops) or until the runtime stops accepting work;
 * `targetAt(elapsedUs)` is this shard's VU target and `maxVUs` the plan's. A ramped-down VU's iteration gets
 * `gracefulRampDownMs` to finish, also when that runs past the end (gracefulStop may cut it shorter).
 */
export async function followVuTarget(
  rt: ScenarioRuntime,
  maxVUs: number,
  targetAt: (elapsedUs: number) => number,
  endMs: () => number,
  gracefulRampDownMs: number,
): Promise<void> {
  const slots: Slot[] = [];
  const start = (slot: Slot) => {
    slot.running = true;
    void rt
      .loopVU(slot.vu, () => slot.active && rt.nowMs() < endMs())
      .then(() => {
        slot.running = false;
        if (typeof slot.grace === 'function') slot.grace();
        slot.grace = undefined;
      });
  };
  const arm = (slot: Slot) => {
    slot.grace = setLongTimeout(() => {
      slot.grace = 'spent';
      rt.interrupt(slot.vu);
    }, gracefulRampDownMs);
  };
  const adjust = () => {
    // Plans make maxVUs the largest target this shard follows, so this never cuts load; it keeps a VU from
    // ever taking the next scenario's id and connection lane (numbered from maxVUs) should they disagree.
    const target = Math.min(maxVUs, targetAt((rt.nowMs() - rt.startMs) * 1000));
    while (slots.length < target)
      slots.push({ vu: rt.newVU(), active: false, running: false, grace: undefined });
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot;
      slot.active = i < target;
      const action = slotAction(slot.active, slot.running, slot.grace);
      if (action === 'start') start(slot);
      else if (action === 'arm') arm(slot);
      else if (action === 'disarm') {
        (slot.grace as () => void)();
        slot.grace = undefined;
      }
    }
  };
  adjust();
  while (rt.accepting && rt.nowMs() < endMs()) {
    await rt.waitUntil(Math.min(endMs(), rt.nowMs() + TICK_MS));
    adjust();
  }
}
