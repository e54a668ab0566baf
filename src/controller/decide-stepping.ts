/**
 * The controller's part in a breakpoint test (pure): judge the stop conditions on the merged live data and
 * tell every running runner to stop stepping at one shared offset. What the runners report is the truth:
 * once any runner shows a stop, the others that do not yet get that same stop (after a lost call or a
 * controller restart), and nothing is decided twice.
 */
import type { ScenarioPlan } from '../engine/executor.js';
import type { StopStepping } from '../engine/stepping.js';
import { completeThroughSecond, decideStopStepping } from '../engine/stop-stepping.js';
import type { MergedInterval } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { Action } from './model.js';

/** The stop applies this far ahead: the controller calls every runner, and they must all hear in time. */
export const STEPPING_LEAD_MS = 1000;

export interface SteppingObservation {
  plans: readonly ScenarioPlan[];
  /** Per runner index: its latest snapshot and whether it is running now. */
  runners: readonly { index: number; snapshot: ShardSnapshot | undefined; running: boolean }[];
  /** Merged intervals covering at least the current level. */
  intervals: readonly MergedInterval[];
  /** ms since the shared start. */
  elapsedMs: number;
}

export function steppingActions(o: SteppingObservation): Action[] {
  const actions: Action[] = [];
  const known = new Map<string, StopStepping>();
  for (const r of o.runners) {
    for (const s of r.snapshot?.scenarios ?? []) {
      const seen = known.get(s.name);
      if (s.stepping && (!seen || s.stepping.stoppedAtMs < seen.atOffsetMs)) {
        known.set(s.name, {
          scenario: s.name,
          atOffsetMs: s.stepping.stoppedAtMs,
          level: s.stepping.level,
          condition: s.stepping.condition,
        });
      }
    }
  }
  const snapshots = o.runners.flatMap((r) => (r.snapshot ? [r.snapshot] : []));
  const fresh = decideStopStepping({
    plans: o.plans,
    intervals: o.intervals,
    completeThroughSecond: completeThroughSecond(snapshots),
    elapsedMs: o.elapsedMs,
    stopped: new Set(known.keys()),
    leadMs: STEPPING_LEAD_MS,
  });
  for (const order of fresh) {
    actions.push({
      kind: 'event',
      type: 'Normal',
      reason: 'SteppingStopped',
      message: `scenario ${order.scenario}: "${order.condition}" held at level ${order.level}; stepping stops at ${order.atOffsetMs} ms`,
    });
  }
  for (const order of [...known.values(), ...fresh]) {
    const missing = o.runners.filter(
      (r) => r.running && !r.snapshot?.scenarios.some((s) => s.name === order.scenario && s.stepping),
    );
    if (missing.length) actions.push({ kind: 'stopStepping', indexes: missing.map((r) => r.index), order });
  }
  return actions;
}
