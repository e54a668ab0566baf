/**
 * Timers for any accepted duration. Node's setTimeout takes at most 2^31-1 ms (about 24.8 days) and turns a
 * longer delay into 1 ms with only a warning, so a long startTime, think or duration would fire at once.
 */

/** Node's largest timer delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms` (any finite length), waiting in chunks Node accepts. Returns a cancel function. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  if (ms <= MAX_TIMER_MS) {
    // The usual case (every arrival of an open model waits here): one timer, no chunking closures.
    const single = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(single);
  }
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    const chunk = Math.max(0, Math.min(left, MAX_TIMER_MS));
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), chunk);
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/**
 * A sleep of any length that `live.abort()` (a hard stop) ends early, and, given the iteration's state, an
 * interrupt of that one iteration too (it aborts `it.waiting`).
 */
export function sleepAbortable(
  ms: number,
  live?: Set<{ abort(): void }>,
  it?: { waiting?: { abort(): void } | undefined },
): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => {
    const entry = { abort: () => done() };
    const cancel = setLongTimeout(() => done(), ms);
    live?.add(entry);
    if (it) it.waiting = entry;
    function done() {
      cancel();
      live?.delete(entry);
      if (it?.waiting === entry) it.waiting = undefined;
      resolve();
    }
  });
}
