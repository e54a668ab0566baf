/**
 * Wakes the load thread at an instant to within a few tens of microseconds without spinning. libuv timers
 * count whole milliseconds from a cached loop time, so a timer alone is up to ~1 ms early or late; waiting
 * out the rest with setImmediate is exact but burns the core (all of it at 5,000 arrivals/s). Instead a
 * small clock thread sleeps in Atomics.wait, which the kernel times to the microsecond, and wakes this
 * thread's event loop at once when the instant comes: through Atomics.waitAsync for a wake far enough
 * ahead, a message otherwise. Each waitAsync leaves ~120 bytes in V8's old space, so at thousands of wakes
 * a second a full GC stalled the load every few seconds; a message costs nothing there but reaches an idle
 * thread ~0.2 ms later, which only low rates notice. When no clock thread can start, the timer-and-yield
 * wait is the fallback.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CLOCK_SLOTS, clockOffsetMs } from './clock-shared.js';
import { MAX_TIMER_MS } from './timers.js';

/** Calls `fn` once performance.now() has reached `atMs` (never before). Returns a cancel function. */
export type WakeAt = (atMs: number, fn: () => void) => () => void;

/**
 * Closer than this to the instant, yielding to I/O once per loop turn costs less than a round trip through
 * the clock thread (tens of µs of CPU).
 */
const YIELD_WITHIN_MS = 0.05;

/**
 * Wakes at least this far ahead come through Atomics.waitAsync (at most 200 a second, so its old-space
 * garbage stays small); nearer ones through a message.
 */
const NOTIFY_FROM_MS = 5;

/** How often whenReady looks at the clock thread's flag, and for how long at most. */
const READY_POLL_MS = 2;
const READY_WAIT_MAX_MS = 2_000;

/** ES2024's Atomics.waitAsync (Node 16+); the project's TypeScript lib stops at ES2023 to match Node 20. */
type WaitAsync = (
  typed: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * Fallback: a timer aimed this far short of the instant, the rest waited out by yielding to I/O. Half the
 * timer's 1 ms granularity bounds the yielding to 0.5 ms per wake.
 */
const TIMER_FINE_WAIT_MS = 0.5;

interface Pending {
  atMs: number;
  fn: () => void;
  /** Set when the clock thread failed and a timer took this wake over. */
  cancelFallback?: () => void;
}

function clockThreadUrl(): URL {
  // Under the TypeScript test runner this module is a .ts file; worker threads run the built JavaScript.
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/engine/clock-thread.js', import.meta.url)
    : new URL('./clock-thread.js', import.meta.url);
}

class ClockThread {
  private readonly slots: Int32Array;
  private readonly dueAt: Float64Array;
  private readonly planned: Float64Array;
  private readonly worker: Worker;
  private readonly pending = new Set<Pending>();
  /** performance.now() + offset = the clock thread's hrNowMs(): one monotonic clock, two origins. */
  private readonly offsetMs = clockOffsetMs();
  private armedAtMs = Number.POSITIVE_INFINITY;
  /** The `armed` count of the instant armed last. */
  private armedCount = 0;
  /** Whether the armed instant comes through waitAsync (else through a message). */
  private notifying = false;
  /** Whether a waitAsync on `fired` is outstanding, and the `fired` value it waits to change. */
  private listening = false;
  private firedSeen = 0;
  private immediate: NodeJS.Immediate | undefined;
  broken = false;

  /** Whether the thread runs yet: until then (its first tens of ms) wakes go to a timer. */
  get ready(): boolean {
    return !this.broken && Atomics.load(this.slots, CLOCK_SLOTS.ready) === 1;
  }

  constructor(url: URL) {
    const buffer = new SharedArrayBuffer(CLOCK_SLOTS.byteLength);
    this.slots = new Int32Array(buffer, 0, CLOCK_SLOTS.count);
    this.dueAt = new Float64Array(buffer, CLOCK_SLOTS.dueByteOffset, 1);
    this.planned = new Float64Array(buffer, CLOCK_SLOTS.plannedByteOffset, 1);
    this.planned[0] = Number.POSITIVE_INFINITY;
    this.worker = new Worker(url, { workerData: { buffer } });
    this.worker.unref();
    this.worker.on('message', (armedCount: number) => this.fired(armedCount));
    // A thread that fails or ends hands every wake still waiting to a timer (cancel still works).
    const fallBack = () => {
      if (this.broken) return;
      this.broken = true;
      for (const entry of this.pending) entry.cancelFallback = timerWakeAt(entry.atMs, entry.fn);
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  /**
   * Resolves once the thread runs, or cannot. Its start-up takes ~100 ms of CPU; a runner waits for it before
   * it says it is ready, so that it does not share the load thread's core in the first second of load.
   */
  whenReady(): Promise<void> {
    const settled = () => this.ready || this.broken;
    if (settled()) return Promise.resolve();
    // The thread only stores its flag, so look every few ms. Bounded: a thread that neither runs nor fails
    // must not hold the run; its wakes go to timers until it runs.
    const giveUpAt = performance.now() + READY_WAIT_MAX_MS;
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (!settled() && performance.now() < giveUpAt) return;
        clearInterval(poll);
        resolve();
      }, READY_POLL_MS);
    });
  }

  /** Ends the thread; wakes still waiting go to timers. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    Atomics.store(this.slots, CLOCK_SLOTS.stop, 1);
    Atomics.add(this.slots, CLOCK_SLOTS.armed, 1);
    Atomics.notify(this.slots, CLOCK_SLOTS.armed);
    await exited;
  }

  wakeAt(atMs: number, fn: () => void): () => void {
    const entry: Pending = { atMs, fn };
    this.pending.add(entry);
    // A pending wake keeps the process alive, as a timer would; an idle clock thread does not.
    if (this.pending.size === 1) this.worker.ref();
    this.schedule();
    return () => this.remove(entry);
  }

  private remove(entry: Pending): void {
    entry.cancelFallback?.();
    if (this.pending.delete(entry) && this.pending.size === 0) this.worker.unref();
  }

  /** Runs what is due, then waits for the earliest instant left: by yielding if close, else by the thread. */
  private schedule(): void {
    if (this.broken) return;
    const now = performance.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of [...this.pending]) {
      if (entry.atMs <= now) {
        this.remove(entry);
        entry.fn();
      } else if (entry.atMs < earliest) earliest = entry.atMs;
    }
    if (earliest === Number.POSITIVE_INFINITY) return;
    if (earliest - now <= YIELD_WITHIN_MS) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.schedule();
      });
      return;
    }
    // An instant armed and passed fires soon (its message is on the way); re-arm only for an earlier one.
    if (earliest < this.armedAtMs) this.arm(earliest);
  }

  /** The clock thread reached the instant armed as `armedCount`. */
  private fired(armedCount: number): void {
    if (armedCount === this.armedCount) this.armedAtMs = Number.POSITIVE_INFINITY;
    this.schedule();
    // A waitAsync that resolved for an earlier fire leaves the armed instant without a listener.
    if (this.notifying && this.armedAtMs !== Number.POSITIVE_INFINITY) this.listen();
  }

  private arm(atMs: number): void {
    const dueMs = atMs + this.offsetMs;
    this.notifying = atMs - performance.now() >= NOTIFY_FROM_MS;
    Atomics.store(this.slots, CLOCK_SLOTS.notifyFired, this.notifying ? 1 : 0);
    this.armedAtMs = atMs;
    this.dueAt[0] = dueMs;
    this.armedCount = Atomics.add(this.slots, CLOCK_SLOTS.armed, 1) + 1;
    if (this.notifying) this.listen();
    // The clock thread wakes by itself at `planned`; only an earlier instant needs waking it now.
    if (dueMs < (this.planned[0] as number)) Atomics.notify(this.slots, CLOCK_SLOTS.armed);
  }

  /** One outstanding waitAsync at a time: it resolves when the clock thread notifies a fire. */
  private listen(): void {
    if (this.listening) return;
    // Against the last value handled, not the current one: the thread may have fired since.
    const wait = waitAsync(this.slots, CLOCK_SLOTS.fired, this.firedSeen);
    const onFire = () => {
      this.listening = false;
      this.firedSeen = Atomics.load(this.slots, CLOCK_SLOTS.fired);
      this.fired(this.firedSeen);
    };
    this.listening = true;
    if (wait.async) void wait.value.then(onFire);
    else queueMicrotask(onFire);
  }
}

/** The fallback: a timer aimed short of the instant, then a yield per loop turn until it is due. */
export const timerWakeAt: WakeAt = (atMs, fn) => {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const check = () => {
    timer = immediate = undefined;
    const leftMs = atMs - performance.now();
    if (leftMs <= 0) fn();
    else if (leftMs > TIMER_FINE_WAIT_MS)
      // Capped at Node's largest timer: check() re-arms until the instant is due, however far.
      timer = setTimeout(check, Math.min(MAX_TIMER_MS, Math.max(1, Math.round(leftMs - TIMER_FINE_WAIT_MS))));
    else immediate = setImmediate(check);
  };
  check();
  return () => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
};

/**
 * Whole-millisecond timers, re-armed until the instant has passed: never early, up to about a millisecond
 * late, and no yielding in between. For waits nothing is timed against (a closed model's end and VU ticks).
 */
export const coarseWakeAt: WakeAt = (atMs, fn) => {
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    const leftMs = atMs - performance.now();
    if (leftMs <= 0) fn();
    else timer = setTimeout(check, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(leftMs))));
  };
  check();
  return () => {
    if (timer) clearTimeout(timer);
  };
};

let shared: ClockThread | undefined;

/**
 * Starts this thread's clock thread ahead of need (it takes tens of ms to start), once. Without its
 * script (an unbuilt checkout) the timer fallback serves.
 */
export function startPreciseClock(): void {
  if (shared) return;
  const url = clockThreadUrl();
  if (existsSync(fileURLToPath(url))) shared = new ClockThread(url);
}

/** Ends this thread's clock thread (the next wake starts a new one); pending wakes move to timers. */
export async function stopPreciseClock(): Promise<void> {
  const clock = shared;
  shared = undefined;
  await clock?.stop();
}

/** Resolves once this thread's clock thread runs (or cannot); at once when there is none. */
export function preciseClockReady(): Promise<void> {
  return shared ? shared.whenReady() : Promise.resolve();
}

/** Whether this thread's wakes go through its clock thread now (false before it runs, or without it). */
export function preciseClockRunning(): boolean {
  return shared?.ready ?? false;
}

/**
 * This thread's precise wake-up, through its one clock thread once that runs; through `timerWakeAt`
 * before, or when the clock thread cannot run.
 */
export const preciseWakeAt: WakeAt = (atMs, fn) => {
  startPreciseClock();
  return shared?.ready ? shared.wakeAt(atMs, fn) : timerWakeAt(atMs, fn);
};
