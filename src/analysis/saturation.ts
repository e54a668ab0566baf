/**
 * Did the generator itself run out of capacity? If so its latency figures include its own queueing and
 * cannot be trusted. Pure: judged from the merged per-second health series and schedule lag.
 */
import type { MergedInterval } from '../metrics/merge.js';

/** A second counts as CPU-bound when the process used this share of the cores it could use. */
export const CPU_BUSY_FRACTION = 0.9;
/** A second counts as loop-bound when timers fired this late at p99: that much is added to measured latency. */
export const LOOP_DELAY_P99_LIMIT_MS = 20;
/** Open models: iterations starting this late (p99) mean the schedule was not kept. */
export const SCHEDULE_LAG_P99_LIMIT_MS = 10;
/** Share of seconds that must be bound before we call the whole run saturated (brief spikes are noise). */
export const BOUND_SECONDS_FRACTION = 0.2;

export interface SaturationInput {
  intervals: readonly MergedInterval[];
  /** Cores the generator could use: min(threads, cores) summed over processes. */
  usableCores: number;
  scheduleLagP99Ms: number | undefined;
}

export interface SaturationVerdict {
  saturated: boolean;
  reasons: string[];
  cpuBusySeconds: number;
  loopBoundSeconds: number;
  maxCpuPercent: number;
  maxLoopDelayP99Ms: number;
}

export function judgeSaturation(input: SaturationInput): SaturationVerdict {
  const seconds = input.intervals.length;
  const cpuLimit = input.usableCores * 100 * CPU_BUSY_FRACTION;
  const cpuBusySeconds = input.intervals.filter((i) => i.cpuPercent >= cpuLimit).length;
  const loopBoundSeconds = input.intervals.filter((i) => i.loopDelayP99Ms >= LOOP_DELAY_P99_LIMIT_MS).length;
  const maxCpuPercent = Math.max(0, ...input.intervals.map((i) => i.cpuPercent));
  const maxLoopDelayP99Ms = Math.max(0, ...input.intervals.map((i) => i.loopDelayP99Ms));
  const reasons: string[] = [];
  const fraction = (n: number) => (seconds ? n / seconds : 0);
  if (fraction(cpuBusySeconds) >= BOUND_SECONDS_FRACTION) {
    reasons.push(
      `CPU at or above ${Math.round(CPU_BUSY_FRACTION * 100)}% of ${input.usableCores} usable core(s) in ${cpuBusySeconds} of ${seconds} seconds`,
    );
  }
  if (fraction(loopBoundSeconds) >= BOUND_SECONDS_FRACTION) {
    reasons.push(
      `event-loop delay p99 at or above ${LOOP_DELAY_P99_LIMIT_MS} ms in ${loopBoundSeconds} of ${seconds} seconds (worst ${maxLoopDelayP99Ms} ms)`,
    );
  }
  if (input.scheduleLagP99Ms !== undefined && input.scheduleLagP99Ms >= SCHEDULE_LAG_P99_LIMIT_MS) {
    reasons.push(
      `open-model iterations started late: schedule lag p99 ${input.scheduleLagP99Ms} ms (limit ${SCHEDULE_LAG_P99_LIMIT_MS} ms)`,
    );
  }
  return {
    saturated: reasons.length > 0,
    reasons,
    cpuBusySeconds,
    loopBoundSeconds,
    maxCpuPercent: Math.round(maxCpuPercent),
    maxLoopDelayP99Ms,
  };
}
