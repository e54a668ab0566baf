/**
 * The breakpoint executor's schedule, a pure function of the plan: level i holds load start + i*step from
 * i*duration to (i+1)*duration, up to max. Every shard computes the same schedule, so all step together.
 * The only thing decided at run time is "stop stepping at offset X" (a stop condition held on merged
 * data): the schedule is cut there and, when configured, a recovery level at the baseline load follows.
 */
import { durationUs } from '../api/duration.js';
import type { Scenario } from '../api/schema.js';

/** Bounds the schedule a manifest can ask for (and the size of every per-level table). */
export const MAX_LEVELS = 1000;

export interface LevelWindow {
  index: number;
  phase: 'load' | 'recovery';
  load: number;
  /** Offsets from the scenario's start. */
  fromUs: number;
  toUs: number;
}

/** "Stop stepping": sent by whoever merges (coordinator or controller) to every shard. */
export interface StopStepping {
  scenario: string;
  /** When the recovery (or the end) begins, in ms from the test's shared start instant. */
  atOffsetMs: number;
  /** The level whose window met the condition, and the condition. */
  level: number;
  condition: string;
}

/** Loads of the stepping levels: start, start+step, ... while at most max. */
export function levelLoads(levels: NonNullable<Scenario['levels']>): number[] {
  // The epsilon keeps max itself when (max - start) / step is a whole number in decimal but not in binary.
  const count = Math.min(MAX_LEVELS, Math.floor((levels.max - levels.start) / levels.step + 1e-9) + 1);
  return Array.from({ length: Math.max(0, count) }, (_, i) => round6(levels.start + i * levels.step));
}

/** The level windows; with `stopAtUs` (from the scenario start) stepping is cut there. */
export function steppedTimeline(
  spec: Pick<Scenario, 'levels' | 'recovery'>,
  stopAtUs?: number,
): LevelWindow[] {
  const levels = spec.levels;
  if (!levels) return [];
  const levelUs = durationUs(levels.duration);
  const windows: LevelWindow[] = [];
  for (const [index, load] of levelLoads(levels).entries()) {
    const fromUs = index * levelUs;
    if (stopAtUs !== undefined && fromUs >= stopAtUs) break;
    const toUs = stopAtUs === undefined ? fromUs + levelUs : Math.min(fromUs + levelUs, stopAtUs);
    windows.push({ index, phase: 'load', load, fromUs, toUs });
  }
  if (spec.recovery) {
    const fromUs = windows.at(-1)?.toUs ?? 0;
    windows.push({
      index: windows.length,
      phase: 'recovery',
      load: spec.recovery.load ?? levels.start,
      fromUs,
      toUs: fromUs + durationUs(spec.recovery.duration),
    });
  }
  return windows;
}

export function timelineEndUs(windows: readonly LevelWindow[]): number {
  return windows.at(-1)?.toUs ?? 0;
}

export function windowAt(windows: readonly LevelWindow[], tUs: number): LevelWindow | undefined {
  return windows.find((w) => tUs >= w.fromUs && tUs < w.toUs);
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
