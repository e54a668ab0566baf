/**
 * Interval deltas on the pull: GET /snapshot?intervalsFrom=N asks a runner for its per-second intervals from
 * index N on. Everything else in the snapshot stays cumulative (steps, scenarios and error samples are small
 * and do not grow with time); intervals grow by one a second and were 99% of an hour-long runner's answer
 * (1.6 MiB, bench/scale.mjs). The answer carries `intervalsFrom: N`; an answer without it is a whole
 * snapshot (a runner from before deltas), and a runner that ignores the query still answers correctly, so
 * either side may be older. Intervals only ever append, so index N means the same second on both sides. Pure.
 */
import type { IntervalSnapshot, ShardSnapshot } from './snapshot.js';

export const INTERVALS_FROM_PARAM = 'intervalsFrom';

/** `intervalsFrom` of a request path such as /snapshot?intervalsFrom=12; undefined when absent or not >= 0. */
export function intervalsFromQuery(url: string | undefined): number | undefined {
  const query = (url ?? '').split('?')[1];
  if (!query) return undefined;
  const raw = new URLSearchParams(query).get(INTERVALS_FROM_PARAM);
  if (raw === null || !/^\d{1,9}$/.test(raw)) return undefined;
  return Number(raw);
}

/** The runner's side: the snapshot with intervals from `from` on (clamped), and where they start. */
export function sliceIntervals(
  snapshot: ShardSnapshot,
  from: number | undefined,
): { snapshot: ShardSnapshot; intervalsFrom?: number } {
  if (from === undefined) return { snapshot };
  const at = Math.min(from, snapshot.intervals.length);
  return { snapshot: { ...snapshot, intervals: snapshot.intervals.slice(at) }, intervalsFrom: at };
}

/**
 * The controller's side: the intervals it knew up to `from`, then the fresh ones; undefined when they
 * cannot be joined (`from` beyond what it knew, or not an index).
 */
export function joinIntervals(
  known: readonly IntervalSnapshot[],
  from: unknown,
  fresh: readonly IntervalSnapshot[],
): IntervalSnapshot[] | undefined {
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from > known.length)
    return undefined;
  return [...known.slice(0, from), ...fresh];
}
