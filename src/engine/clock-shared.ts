/** The shared memory layout between the precise clock (load thread) and its clock thread. */

/** Int32 slots, then two Float64 instants at 8-byte-aligned offsets. */
export const CLOCK_SLOTS = {
  /** Bumped by the load thread each time it arms a new instant. */
  armed: 0,
  /** Bumped by the clock thread after it writes `planned`: a full fence between that write and its wait. */
  plannedSeq: 1,
  /** 1 asks the clock thread to exit. */
  stop: 2,
  /** Set to 1 by the clock thread once it runs: a thread takes tens of ms to start. */
  ready: 3,
  /** Set by the clock thread to the `armed` count it fired for. */
  fired: 4,
  /** How the armed instant is delivered: 1 by Atomics.notify on `fired` (waitAsync), 0 by a message. */
  notifyFired: 5,
  count: 6,
  /** The armed instant (hrNowMs), written by the load thread. */
  dueByteOffset: 24,
  /** When the clock thread wakes next on its own (hrNowMs; Infinity: only when notified). */
  plannedByteOffset: 32,
  byteLength: 40,
} as const;

export interface ClockThreadInput {
  buffer: SharedArrayBuffer;
}

/**
 * The monotonic clock in ms, the same in every thread of the process (performance.now() is not: each
 * worker thread counts from its own start).
 */
export function hrNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * hrNowMs() - performance.now() in the calling thread, from the tightest of a few bracketed readings: the
 * first calls of either clock can take a fraction of a millisecond, which would skew a single pair of
 * readings by as much. Both count the same monotonic clock, so the offset holds for the thread's life.
 */
export function clockOffsetMs(): number {
  let best = { spreadMs: Number.POSITIVE_INFINITY, offsetMs: 0 };
  for (let i = 0; i < 5; i++) {
    const before = hrNowMs();
    const now = performance.now();
    const after = hrNowMs();
    if (after - before < best.spreadMs)
      best = { spreadMs: after - before, offsetMs: (before + after) / 2 - now };
  }
  return best.offsetMs;
}
