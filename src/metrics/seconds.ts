/**
 * The per-second series' clock, as pure arithmetic on time since the shard's start. Second k (labels 1, 2,
 * ...) covers (k-1, k] seconds and closes at start + k·1000 ms, found from the start instant each time: a
 * late timer only closes it late, it never shifts, skips or doubles a label. Load ends inside a second,
 * which becomes a partial interval of its own with its real length.
 */

export const SECOND_MS = 1000;

/** Whole seconds over `elapsedMs` after the start that are not closed yet (`closed` are). */
export function secondsDue(closed: number, elapsedMs: number): number {
  return Math.max(0, Math.floor(elapsedMs / SECOND_MS) - closed);
}

/**
 * How long to wait for the end of the next second to close, from its absolute instant. At least 1 ms: Node's
 * timers run on a whole-ms clock and may fire just before the instant, and a 0 ms wait would spin.
 */
export function msToNextSecond(closed: number, elapsedMs: number): number {
  return Math.max(1, Math.ceil((closed + 1) * SECOND_MS - elapsedMs));
}

/**
 * Load ended `endElapsedMs` after the start: the whole seconds still due (their timer had not fired yet),
 * then the partial second after them, `partialMs` long (0: none, load ended exactly on a boundary).
 */
export function secondsAtEnd(closed: number, endElapsedMs: number): { close: number; partialMs: number } {
  const close = secondsDue(closed, endElapsedMs);
  return { close, partialMs: Math.max(0, endElapsedMs - (closed + close) * SECOND_MS) };
}

/**
 * Seconds an interval spans: 1, or a partial last second's real length. At least 1 ms, so a rate over a
 * sliver that rounded to 0 stays finite.
 */
export function spanSeconds(interval: { lengthMs?: number }): number {
  return interval.lengthMs === undefined ? 1 : Math.max(1, interval.lengthMs) / SECOND_MS;
}

/** Events per second over consecutive intervals, partial ones counted by their real length. */
export function ratePerSecond(count: number, intervals: readonly { lengthMs?: number }[]): number | null {
  const seconds = intervals.reduce((n, i) => n + spanSeconds(i), 0);
  return seconds > 0 ? count / seconds : null;
}

/**
 * The mean of a per-second figure (a CPU percentage, say) over intervals, each weighted by its span: a 200 ms
 * partial second counts a fifth of a whole one. Null without intervals.
 */
export function spanWeightedMean<T extends { lengthMs?: number }>(
  intervals: readonly T[],
  value: (interval: T) => number,
): number | null {
  let sum = 0;
  let seconds = 0;
  for (const i of intervals) {
    sum += value(i) * spanSeconds(i);
    seconds += spanSeconds(i);
  }
  return seconds > 0 ? sum / seconds : null;
}
