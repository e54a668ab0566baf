/**
 * Which per-second interval closes when (src/metrics/seconds.ts), without time: a timer chain is simulated
 * with chosen lateness, including the load thread blocked for 300 ms at a time and for seconds at once.
 */
import { describe, expect, it } from 'vitest';
import {
  msToNextSecond,
  ratePerSecond,
  secondsAtEnd,
  secondsDue,
  spanSeconds,
} from '../../src/metrics/seconds.js';

interface Closed {
  second: number;
  atMs: number;
  lengthMs?: number;
}

/**
 * The ticker's chain (src/engine/second-ticker.ts) on a simulated clock: the i-th timer fires `late(i)` ms
 * after the instant it was aimed at, and a blocked loop also delays the re-aim by `work(i)` ms.
 */
function simulate(endMs: number, late: (i: number) => number, work: (i: number) => number = () => 0) {
  const closed: Closed[] = [];
  let fireAt = msToNextSecond(0, 0);
  for (let i = 0; ; i++) {
    const now = fireAt + late(i);
    if (now >= endMs) break;
    for (let k = secondsDue(closed.length, now); k > 0; k--)
      closed.push({ second: closed.length + 1, atMs: now });
    const after = now + work(i);
    fireAt = after + msToNextSecond(closed.length, after);
  }
  const end = secondsAtEnd(closed.length, endMs);
  for (let k = 0; k < end.close; k++) closed.push({ second: closed.length + 1, atMs: endMs });
  if (end.partialMs > 0) closed.push({ second: closed.length + 1, atMs: endMs, lengthMs: end.partialMs });
  return closed;
}

/** A deterministic stand-in for random lateness, in [0, max). */
function lateness(seed: number, max: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * max;
  };
}

const labels = (closed: Closed[]) => closed.map((c) => c.second);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('per-second clock: which second closes when', () => {
  it('closes second k at the first timer firing at or after start + k s, never before, never merged', () => {
    expect(secondsDue(0, 999.4)).toBe(0);
    expect(secondsDue(0, 1000)).toBe(1);
    expect(secondsDue(1, 1999.99)).toBe(0);
    // Blocked through two boundaries: both close now, as two seconds.
    expect(secondsDue(1, 3700)).toBe(2);
  });

  it('aims each wait at the next absolute boundary, at least 1 ms (a timer that fired early does not spin)', () => {
    expect(msToNextSecond(0, 0)).toBe(1000);
    expect(msToNextSecond(1, 1300)).toBe(700);
    expect(msToNextSecond(0, 999.6)).toBe(1);
    expect(msToNextSecond(3, 3000)).toBe(1000);
    // Closing work ran past the next boundary: check again at once.
    expect(msToNextSecond(3, 4100)).toBe(1);
  });

  it('lateness of every timer, up to 300 ms each, never accumulates: labels 1..n, each within one lateness', () => {
    const next = lateness(7, 300);
    const closed = simulate(60_500, next, () => 5);
    expect(labels(closed)).toEqual(oneTo(61));
    for (const c of closed.slice(0, 60)) {
      expect(c.atMs).toBeGreaterThanOrEqual(c.second * 1000);
      expect(c.atMs).toBeLessThan(c.second * 1000 + 300 + 5 + 1);
    }
    expect(closed.at(-1)).toEqual({ second: 61, atMs: 60_500, lengthMs: 500 });
  });

  it('a loop blocked for seconds closes every second it missed, each with its own label', () => {
    // The third timer is 2.5 s late (a blocked loop), the others on time.
    const closed = simulate(8200, (i) => (i === 2 ? 2500 : 0));
    expect(labels(closed)).toEqual(oneTo(9));
    expect(closed.filter((c) => c.atMs === 5500).map((c) => c.second)).toEqual([3, 4, 5]);
    expect(closed.at(-1)?.lengthMs).toBeCloseTo(200, 6);
  });

  it('timers firing a little early close nothing early and lose no second', () => {
    const closed = simulate(10_250, (i) => (i % 2 ? -0.7 : 0));
    expect(labels(closed)).toEqual(oneTo(11));
    for (const c of closed) expect(c.atMs).toBeGreaterThanOrEqual(Math.min(c.second * 1000, 10_250));
  });

  it('load ending inside a second gives a partial last second of its own; seconds still due close first', () => {
    expect(secondsAtEnd(3, 3500)).toEqual({ close: 0, partialMs: 500 });
    // The timer for second 3 had not fired yet when load ended 0.5 ms after it.
    expect(secondsAtEnd(2, 3000.5)).toEqual({ close: 1, partialMs: 0.5 });
    // Ended exactly on a boundary: no partial second.
    expect(secondsAtEnd(3, 3000)).toEqual({ close: 0, partialMs: 0 });
    expect(secondsAtEnd(0, 250)).toEqual({ close: 0, partialMs: 250 });
  });

  it('a re-arming setInterval labelled by round(elapsed) — the old way — skips a label once drift passes 0.5 s', () => {
    // Each tick re-arms from when it ran, so 300 ms of lateness per tick adds up.
    let now = 0;
    const old: number[] = [];
    for (let i = 0; i < 4; i++) {
      now += 1000 + 300;
      old.push(Math.max(1, Math.round(now / 1000)));
    }
    expect(old).toEqual([1, 3, 4, 5]);
    expect(labels(simulate(5300, () => 300))).toEqual(oneTo(6));
  });

  it('rates divide a partial second by its real length', () => {
    expect(spanSeconds({})).toBe(1);
    expect(spanSeconds({ lengthMs: 250 })).toBe(0.25);
    expect(spanSeconds({ lengthMs: 0 })).toBe(0.001);
    expect(ratePerSecond(500, [{}, {}, { lengthMs: 500 }])).toBe(200);
    expect(ratePerSecond(50, [{ lengthMs: 250 }])).toBe(200);
    expect(ratePerSecond(5, [])).toBeNull();
  });
});
