import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalCursor, constantSchedule, rampingSchedule, WAKE_SHARE_MS } from '../../src/engine/arrival.js';
import { globalIterationIndex } from '../../src/engine/shard.js';

/**
 * The arrival loop waits once for iterations due close together (a shared wake). Its cursor must hand out
 * exactly the offsets the schedule gives, in order, and a shared wake must land on a due instant inside the
 * window: never before the first iteration it serves, never past the window.
 */
const shardArb = fc
  .integer({ min: 1, max: 4 })
  .chain((total) => fc.record({ index: fc.integer({ min: 0, max: total - 1 }), total: fc.constant(total) }));
const scheduleArb = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((rate) => constantSchedule(rate, 1_000_000, 1_000_000)),
  fc
    .tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 20_000 }))
    .map(([from, to]) => rampingSchedule(from, [{ duration: '1s', target: to }], 1_000_000)),
);

describe('arrival cursor', () => {
  it('hands out the schedule in order, whatever the look-ahead asked for in between', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        shardArb,
        fc.array(fc.boolean(), { maxLength: 400 }),
        (schedule, shard, peeks) => {
          const durationUs = 1_000_000;
          const cursor = new ArrivalCursor(schedule, shard, durationUs);
          const expected: number[] = [];
          for (let k = 0; ; k++) {
            const at = schedule(globalIterationIndex(k, shard));
            if (at === undefined || at >= durationUs) break;
            expected.push(at);
          }
          const got: number[] = [];
          for (let i = 0; ; i++) {
            const at = cursor.next();
            if (at === undefined) break;
            got.push(at);
            if (peeks[i % Math.max(1, peeks.length)]) {
              const wake = cursor.lastDueWithin(at, at + WAKE_SHARE_MS * 1000);
              expect(wake).toBeGreaterThanOrEqual(at);
              expect(wake).toBeLessThanOrEqual(at + WAKE_SHARE_MS * 1000);
            }
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a shared wake is the last due instant inside the window, so no iteration it serves waits longer', () => {
    // 5,000/s: one every 0.2 ms; a 0.5 ms window holds this one and the next two.
    const cursor = new ArrivalCursor(
      constantSchedule(5000, 1_000_000, 1_000_000),
      { index: 0, total: 1 },
      1e6,
    );
    const first = cursor.next() as number;
    expect(cursor.lastDueWithin(first, first + WAKE_SHARE_MS * 1000)).toBe(first + 400);
    expect([cursor.next(), cursor.next(), cursor.next()]).toEqual([200, 400, 600]);
    // 100/s: the next one is 10 ms away, so the wake is the iteration's own instant.
    const slow = new ArrivalCursor(constantSchedule(100, 1_000_000, 1_000_000), { index: 0, total: 1 }, 1e6);
    const at = slow.next() as number;
    expect(slow.lastDueWithin(at, at + WAKE_SHARE_MS * 1000)).toBe(at);
  });
});
