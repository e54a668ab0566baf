import { describe, expect, it } from 'vitest';
import { constantSchedule, rampingSchedule } from '../../src/engine/arrival.js';
import { vuTargetAt } from '../../src/engine/executors/ramping-vus.js';
import { globalIterationIndex, shareOf } from '../../src/engine/shard.js';

describe('exact shard shares', () => {
  it('integer shares always sum to the whole', () => {
    for (let total = 1; total <= 17; total++) {
      for (const value of [0, 1, 2, 3, 7, 10, 99, 100, 1001, 12345]) {
        let sum = 0;
        for (let index = 0; index < total; index++) {
          const share = shareOf(value, { index, total });
          expect(share).toBeGreaterThanOrEqual(Math.floor(value / total));
          expect(share).toBeLessThanOrEqual(Math.ceil(value / total));
          sum += share;
        }
        expect(sum).toBe(value);
      }
    }
  });

  it('open-model iterations stripe across shards with no gap and no overlap', () => {
    const total = 3;
    const seen = new Set<number>();
    for (let index = 0; index < total; index++) {
      for (let local = 0; local < 100; local++) seen.add(globalIterationIndex(local, { index, total }));
    }
    expect(seen.size).toBe(300);
    expect(Math.max(...seen)).toBe(299);
  });
});

describe('arrival schedules', () => {
  it('constant rate: iteration k is due at k / rate from the start, and none past the end', () => {
    const schedule = constantSchedule(500, 1_000_000, 10_000_000);
    expect(schedule(0)).toBe(0);
    expect(schedule(1)).toBe(2000);
    expect(schedule(4999)).toBe(9_998_000);
    expect(schedule(5000)).toBeUndefined();
  });

  it('ramping rate: the number of due iterations equals the integral of the rate', () => {
    // 0 -> 100/s over 10s (500 iterations), then 100/s for 5s (500 more).
    const schedule = rampingSchedule(
      0,
      [
        { duration: '10s', target: 100 },
        { duration: '5s', target: 100 },
      ],
      1_000_000,
    );
    let count = 0;
    let last = -1;
    for (let k = 0; ; k++) {
      const t = schedule(k);
      if (t === undefined) break;
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      count++;
    }
    expect(count).toBe(1000);
    // Halfway through the ramp (t=5s) the integral is 125 iterations.
    expect((schedule(125) as number) / 1e6).toBeCloseTo(5, 3);
  });

  it('ramping down keeps a monotone schedule', () => {
    const schedule = rampingSchedule(200, [{ duration: '2s', target: 0 }], 1_000_000);
    const times: number[] = [];
    for (let k = 0; ; k++) {
      const t = schedule(k);
      if (t === undefined) break;
      times.push(t);
    }
    expect(times.length).toBe(200);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
  });
});

describe('ramping VUs', () => {
  it('interpolates linearly between stage targets', () => {
    const spec = {
      startVUs: 0,
      stages: [
        { duration: '10s', target: 20 },
        { duration: '10s', target: 0 },
      ],
    };
    expect(vuTargetAt(spec, 0)).toBe(0);
    expect(vuTargetAt(spec, 5_000_000)).toBe(10);
    expect(vuTargetAt(spec, 10_000_000)).toBe(20);
    expect(vuTargetAt(spec, 15_000_000)).toBe(10);
    expect(vuTargetAt(spec, 25_000_000)).toBe(0);
  });
});
