/**
 * Worker-thread entry of the precise clock (see precise-clock.ts). It sleeps in Atomics.wait, whose
 * timeout is kept to the microsecond by the kernel, until the armed instant, then tells the load thread
 * (by Atomics.notify or by a message, as it asked). The load thread's own timers cannot do this: libuv
 * counts whole milliseconds.
 *
 * An open model arms its next arrival one interval after the last, so after a fire this thread sleeps
 * until the instant that interval predicts and publishes it as `planned`: the load thread wakes this
 * thread only for an earlier instant. At a steady rate that is one wake and one message per arrival.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CLOCK_SLOTS, type ClockThreadInput, hrNowMs } from './clock-shared.js';

const { buffer } = workerData as ClockThreadInput;
const slots = new Int32Array(buffer, 0, CLOCK_SLOTS.count);
const dueAt = new Float64Array(buffer, CLOCK_SLOTS.dueByteOffset, 1);
const planned = new Float64Array(buffer, CLOCK_SLOTS.plannedByteOffset, 1);
const port = parentPort as NonNullable<typeof parentPort>;

/** Publishes when this thread wakes next by itself, then sleeps until then or until notified. */
function sleepUntil(armed: number, atMs: number, fromMs: number): void {
  planned[0] = atMs;
  // A sequentially consistent write after `planned`: the load thread, which bumps `armed` and then
  // reads `planned`, sees the new value, or this wait sees the new `armed` and returns at once.
  Atomics.add(slots, CLOCK_SLOTS.plannedSeq, 1);
  if (atMs === Number.POSITIVE_INFINITY) Atomics.wait(slots, CLOCK_SLOTS.armed, armed);
  else Atomics.wait(slots, CLOCK_SLOTS.armed, armed, atMs - fromMs);
}

let firedFor = Atomics.load(slots, CLOCK_SLOTS.armed);
let lastDueMs = Number.NaN;
let gapMs = Number.NaN;
planned[0] = Number.POSITIVE_INFINITY;
Atomics.store(slots, CLOCK_SLOTS.ready, 1);
for (;;) {
  const armed = Atomics.load(slots, CLOCK_SLOTS.armed);
  if (Atomics.load(slots, CLOCK_SLOTS.stop) === 1) break;
  const now = hrNowMs();
  if (armed === firedFor) {
    // Nothing armed: expect the next instant one interval after the last (NaN or past: no guess).
    const expectedMs = lastDueMs + gapMs;
    sleepUntil(armed, expectedMs > now ? expectedMs : Number.POSITIVE_INFINITY, now);
    continue;
  }
  const due = dueAt[0] as number;
  if (due > now) {
    sleepUntil(armed, due, now);
    continue;
  }
  firedFor = armed;
  gapMs = due - lastDueMs;
  lastDueMs = due;
  Atomics.store(slots, CLOCK_SLOTS.fired, armed);
  if (Atomics.load(slots, CLOCK_SLOTS.notifyFired) === 1) Atomics.notify(slots, CLOCK_SLOTS.fired);
  else port.postMessage(armed);
}
