/**
 * Did the generator itself run out of capacity? If so its latency figures include its own queueing and
 * cannot be trusted. Pure: judged from the merged per-second health series.
 *
 * One rule for every signal: a second is bound when the generator was busy (its own CPU at least
 * BUSY_FRACTION of the cores it could use) or dropping iterations, and the signal was at or above its
 * limit; a signal counts only
 * when that holds for SUSTAINED_SECONDS seconds in a row (the whole run when it is shorter, but never less
 * than MIN_EVIDENCE_MS of load: a run of a fraction of a second, start-up included, has no sustained
 * evidence). Seconds count by their length, so a partial last second of a few ms weighs a few ms. A lone
 * bad second (a GC pause) is noise, and
 * lateness while the generator sat mostly idle (the burst of answers after a target stall, a neighbour
 * taking the core) is not the generator running out of capacity.
 */
import type { CoresFrom } from '../metrics/cpu-quota.js';
import type { MergedInterval } from '../metrics/merge.js';
import { SECOND_MS } from '../metrics/seconds.js';

/** A second counts as CPU-bound when the process used this share of the cores it could use. */
export const CPU_BUSY_FRACTION = 0.9;
/** A second counts as loop-bound when timers fired this late at p99: that much is added to measured latency. */
export const LOOP_DELAY_P99_LIMIT_MS = 20;
/** Open models: iterations of a second starting this late (p99) mean the schedule was not kept. */
export const SCHEDULE_LAG_P99_LIMIT_MS = 10;
/** Below this share of its usable cores the generator had capacity left, whatever else was late. */
export const BUSY_FRACTION = 0.5;
/** Bound seconds in a row that make saturation (fewer when the run itself is shorter). */
export const SUSTAINED_SECONDS = 3;
/** The least bound load time that can make saturation, however short the run: one whole second. */
export const MIN_EVIDENCE_MS = SECOND_MS;

export interface SaturationInput {
  intervals: readonly MergedInterval[];
  /** Cores the generator could use: min(threads, cores) over its processes; fractional under a CPU quota. */
  usableCores: number;
  /** Said in the reason, so a reader sees the quota as the limit. */
  coresFrom?: CoresFrom;
}

export interface SaturationVerdict {
  saturated: boolean;
  reasons: string[];
  /** Seconds inside a sustained stretch of any signal: the seconds whose figures are suspect. */
  affectedSeconds: number[];
  cpuBusySeconds: number;
  loopBoundSeconds: number;
  lagBoundSeconds: number;
  maxCpuPercent: number;
  maxLoopDelayP99Ms: number;
}

interface Signal {
  value(i: MergedInterval): number | undefined;
  limit: number;
  describe: string;
}

const lengthMs = (i: MergedInterval) => i.lengthMs ?? SECOND_MS;

/** Stretches of consecutive bound seconds that together last at least `neededMs`. */
export function sustainedStretches(
  intervals: readonly MergedInterval[],
  bound: (i: MergedInterval) => boolean,
  neededMs: number,
): number[][] {
  const stretches: number[][] = [];
  let current: number[] = [];
  let currentMs = 0;
  const close = () => {
    if (current.length && currentMs >= neededMs) stretches.push(current);
    current = [];
    currentMs = 0;
  };
  for (const i of intervals) {
    const previous = current[current.length - 1];
    if (!bound(i) || (previous !== undefined && i.second !== previous + 1)) close();
    if (bound(i)) {
      current.push(i.second);
      currentMs += lengthMs(i);
    }
  }
  close();
  return stretches;
}

const range = (s: number[]) => (s.length === 1 ? `${s[0]}` : `${s[0]}-${s[s.length - 1]}`);

export function judgeSaturation(input: SaturationInput): SaturationVerdict {
  const { intervals } = input;
  const runMs = intervals.reduce((ms, i) => ms + lengthMs(i), 0);
  const neededMs = Math.max(MIN_EVIDENCE_MS, Math.min(SUSTAINED_SECONDS * SECOND_MS, runMs));
  const needed = Math.round(neededMs / 100) / 10;
  const busyPercent = input.usableCores * 100 * BUSY_FRACTION;
  // Busy, or dropping iterations for want of a free VU while late: either way the generator fell behind.
  const behind = (i: MergedInterval) => i.cpuPercent >= busyPercent || i.dropped > 0;
  const whileBusy = `while the generator was busy (CPU at or above ${Math.round(BUSY_FRACTION * 100)}% of its usable cores) or dropping iterations`;
  const signals: Signal[] = [
    {
      value: (i) => i.cpuPercent,
      limit: input.usableCores * 100 * CPU_BUSY_FRACTION,
      describe: `CPU at or above ${Math.round(CPU_BUSY_FRACTION * 100)}% of ${input.usableCores} usable core(s)${input.coresFrom === 'cgroup quota' ? ' (cgroup quota)' : ''}`,
    },
    {
      value: (i) => i.loopDelayP99Ms,
      limit: LOOP_DELAY_P99_LIMIT_MS,
      describe: `event-loop delay p99 at or above ${LOOP_DELAY_P99_LIMIT_MS} ms ${whileBusy}`,
    },
    {
      value: (i) => i.scheduleLagP99Ms,
      limit: SCHEDULE_LAG_P99_LIMIT_MS,
      describe: `open-model iterations started late: schedule lag p99 at or above ${SCHEDULE_LAG_P99_LIMIT_MS} ms ${whileBusy}`,
    },
  ];
  const reasons: string[] = [];
  const affected = new Set<number>();
  const boundCounts = signals.map((signal) => {
    const bound = (i: MergedInterval) => behind(i) && (signal.value(i) ?? 0) >= signal.limit;
    const stretches = sustainedStretches(intervals, bound, neededMs);
    if (stretches.length) {
      const seconds = stretches.flat();
      for (const s of seconds) affected.add(s);
      reasons.push(
        `${signal.describe} for ${needed}+ seconds in a row: seconds ${stretches.map(range).join(', ')} (${seconds.length} of ${intervals.length})`,
      );
    }
    return intervals.filter(bound).length;
  });
  return {
    saturated: reasons.length > 0,
    reasons,
    affectedSeconds: [...affected].sort((a, b) => a - b),
    cpuBusySeconds: boundCounts[0] ?? 0,
    loopBoundSeconds: boundCounts[1] ?? 0,
    lagBoundSeconds: boundCounts[2] ?? 0,
    maxCpuPercent: Math.round(Math.max(0, ...intervals.map((i) => i.cpuPercent))),
    maxLoopDelayP99Ms: Math.max(0, ...intervals.map((i) => i.loopDelayP99Ms)),
  };
}
