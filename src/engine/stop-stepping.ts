/**
 * Decide (pure) whether a breakpoint scenario should stop stepping now. Shared by the local coordinator and
 * the cluster controller, which both hold the merged data: the stop conditions are judged over the current
 * level's complete seconds, after its settle time, and never by a shard alone.
 */
import type { MergedInterval } from '../metrics/merge.js';
import { evaluateOnWindow, intervalsWithin, parseWindowCondition } from '../metrics/window-expr.js';
import type { ScenarioPlan } from './executor.js';
import { type LevelWindow, type StopStepping, steppedTimeline } from './stepping.js';

/** Whole seconds skipped at the start of a level: the new load takes a moment to show in the latency. */
export function settleSeconds(levelUs: number): number {
  return levelUs >= 2_000_000 ? 1 : 0;
}

export interface SteppingInput {
  plans: readonly ScenarioPlan[];
  /** Merged per-second intervals covering at least the current level. */
  intervals: readonly MergedInterval[];
  /** The newest second every shard has reported; later seconds are partial and not judged. */
  completeThroughSecond: number;
  /** Time since the shared start. */
  elapsedMs: number;
  /** Scenarios already told to stop. */
  stopped: ReadonlySet<string>;
  /** The stop takes effect this long from now, so every shard hears of it before it applies. */
  leadMs: number;
}

/** Seconds of the run, [from, to], whose intervals count for a level (settle skipped). */
export function levelSeconds(plan: ScenarioPlan, w: LevelWindow): { from: number; to: number } {
  const levelUs = w.toUs - w.fromUs;
  const settle = w.phase === 'load' ? settleSeconds(levelUs) : 0;
  return {
    from: (plan.startOffsetUs + w.fromUs) / 1e6 + Math.min(settle, levelUs / 1e6),
    to: (plan.startOffsetUs + w.toUs) / 1e6,
  };
}

export function decideStopStepping(input: SteppingInput): StopStepping[] {
  const orders: StopStepping[] = [];
  for (const plan of input.plans) {
    const conditions = plan.spec.stopWhen ?? [];
    if (plan.executor !== 'breakpoint' || !conditions.length || input.stopped.has(plan.scenario)) continue;
    const tUs = input.elapsedMs * 1000 - plan.startOffsetUs;
    const loadLevels = steppedTimeline(plan.spec).filter((w) => w.phase === 'load');
    const current = loadLevels.findIndex((w) => tUs >= w.fromUs && tUs < w.toUs);
    if (current < 0) continue;
    // Right after a level change the new level has no complete second yet: the previous one's last
    // seconds still deserve a verdict.
    for (const w of [loadLevels[current], loadLevels[current - 1]]) {
      if (!w) continue;
      const { from, to } = levelSeconds(plan, w);
      const window = intervalsWithin(input.intervals, from, Math.min(to, input.completeThroughSecond));
      if (!window.length) continue;
      const met = conditions.find((c) => evaluateOnWindow(parseWindowCondition(c), window).held);
      if (met) {
        orders.push({
          scenario: plan.scenario,
          atOffsetMs: Math.round(input.elapsedMs + input.leadMs),
          level: w.index,
          condition: met,
        });
      }
      break;
    }
  }
  return orders;
}

/** Merge options that keep enough seconds to judge the current level of every breakpoint scenario. */
export function steppingLookbackSeconds(plans: readonly ScenarioPlan[]): number {
  let seconds = 0;
  for (const p of plans) {
    const first = p.executor === 'breakpoint' ? steppedTimeline(p.spec)[0] : undefined;
    if (first) seconds = Math.max(seconds, Math.ceil((first.toUs - first.fromUs) / 1e6) * 2 + 1);
  }
  return seconds;
}

/** The newest second every shard has closed. */
export function completeThroughSecond(
  snapshots: readonly { intervals: readonly { second: number }[] }[],
): number {
  return snapshots.length ? Math.min(...snapshots.map((s) => s.intervals.at(-1)?.second ?? 0)) : 0;
}
