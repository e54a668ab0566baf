/** The shared memory layout between the precise clock (load thread) and its clock thread. */

/** Int32 slots, then one Float64 due instant at an 8-byte-aligned offset. */
export const CLOCK_SLOTS = {
  /** Bumped by the load thread each time it arms a new instant. */
  armed: 0,
  /** Set by the clock thread to the `armed` value it fired for. */
  fired: 1,
  /** 1 asks the clock thread to exit. */
  stop: 2,
  /** Set to 1 by the clock thread once it runs: a thread takes tens of ms to start. */
  ready: 3,
  count: 4,
  dueByteOffset: 16,
  byteLength: 24,
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
