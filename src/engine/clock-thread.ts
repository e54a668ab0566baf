/**
 * Worker-thread entry of the precise clock (see precise-clock.ts). It sleeps in Atomics.wait, whose
 * timeout is kept to the microsecond by the kernel, until the armed instant, then notifies the load
 * thread. The load thread's own timers cannot do this: libuv counts whole milliseconds.
 */
import { workerData } from 'node:worker_threads';
import { CLOCK_SLOTS, type ClockThreadInput, hrNowMs } from './clock-shared.js';

const { buffer } = workerData as ClockThreadInput;
const slots = new Int32Array(buffer, 0, CLOCK_SLOTS.count);
const dueAt = new Float64Array(buffer, CLOCK_SLOTS.dueByteOffset, 1);

Atomics.store(slots, CLOCK_SLOTS.ready, 1);
for (;;) {
  const armed = Atomics.load(slots, CLOCK_SLOTS.armed);
  if (Atomics.load(slots, CLOCK_SLOTS.stop) === 1) break;
  if (armed === Atomics.load(slots, CLOCK_SLOTS.fired)) {
    // Nothing armed: sleep until the load thread arms a new instant (or stops the clock).
    Atomics.wait(slots, CLOCK_SLOTS.armed, armed);
    continue;
  }
  const leftMs = (dueAt[0] as number) - hrNowMs();
  if (leftMs > 0) {
    // Wakes early when the load thread re-arms (a nearer instant) or stops the clock.
    Atomics.wait(slots, CLOCK_SLOTS.armed, armed, leftMs);
    continue;
  }
  Atomics.store(slots, CLOCK_SLOTS.fired, armed);
  Atomics.notify(slots, CLOCK_SLOTS.fired);
}
