import { describe, expect, it } from 'vitest';
import { judgeSaturation } from '../../src/analysis/saturation.js';
import { createHistogram } from '../../src/metrics/histogram.js';
import type { MergedInterval } from '../../src/metrics/merge.js';

function seconds(
  n: number,
  cpuPercent: number,
  loopDelayP99Ms: number,
  scheduleLagP99Ms?: number,
): MergedInterval[] {
  return Array.from({ length: n }, (_, i) => ({
    second: i + 1,
    requests: 100,
    failures: 0,
    bytesIn: 0,
    iterations: 100,
    dropped: 0,
    checksPass: 0,
    checksFail: 0,
    vus: 10,
    duration: createHistogram(),
    loopDelayP99Ms,
    loopDelayMaxMs: loopDelayP99Ms,
    cpuPercent,
    ...(scheduleLagP99Ms === undefined ? {} : { scheduleLagP99Ms }),
  }));
}

/** Numbers the seconds 1..n in order. */
const run = (...parts: MergedInterval[][]) => parts.flat().map((i, n) => ({ ...i, second: n + 1 }));

describe('generator saturation', () => {
  it('a healthy run is not saturated', () => {
    const v = judgeSaturation({ intervals: seconds(10, 40, 2, 1), usableCores: 1 });
    expect(v).toMatchObject({ saturated: false, reasons: [], affectedSeconds: [] });
  });

  it('CPU pinned on the usable cores for 3 seconds in a row is saturation, and says which seconds', () => {
    const v = judgeSaturation({
      intervals: run(seconds(5, 50, 2), seconds(3, 195, 2), seconds(2, 50, 2)),
      usableCores: 2,
    });
    expect(v.saturated).toBe(true);
    expect(v.reasons[0]).toMatch(
      /CPU at or above 90% of 2 usable core\(s\) for 3\+ seconds in a row: seconds 6-8/,
    );
    expect(v.affectedSeconds).toEqual([6, 7, 8]);
  });

  it('event-loop delay and schedule lag are each enough on their own, by the same rule', () => {
    expect(judgeSaturation({ intervals: seconds(5, 60, 45, 1), usableCores: 1 }).reasons[0]).toMatch(
      /event-loop delay p99 at or above 20 ms while the generator was busy .* for 3\+ seconds in a row: seconds 1-5 \(5 of 5\)/,
    );
    expect(judgeSaturation({ intervals: seconds(5, 60, 1, 35), usableCores: 1 }).reasons[0]).toMatch(
      /schedule lag p99 at or above 10 ms while the generator was busy .* seconds 1-5/,
    );
  });

  it('lateness while the generator is mostly idle (a busy machine, a stalling target) is not its saturation', () => {
    const v = judgeSaturation({ intervals: seconds(10, 12, 30, 40), usableCores: 1 });
    expect(v).toMatchObject({ saturated: false, affectedSeconds: [] });
  });

  it('a brief spike is noise, not saturation', () => {
    const v = judgeSaturation({ intervals: run(seconds(19, 20, 1), seconds(1, 100, 80)), usableCores: 1 });
    expect(v.saturated).toBe(false);
  });

  it('late while dropping iterations counts even when a crowded machine leaves the generator little CPU', () => {
    const flood = seconds(3, 30, 40, 250).map((i) => ({ ...i, dropped: 5000 }));
    expect(judgeSaturation({ intervals: flood, usableCores: 1 }).affectedSeconds).toEqual([1, 2, 3]);
  });

  it('lag bursts after each stall of a stalling target (one second in five) are not saturation', () => {
    const stalls = run(
      ...Array.from({ length: 6 }, () => run(seconds(4, 55, 1, 0.5), seconds(1, 60, 3, 900))),
    );
    const v = judgeSaturation({ intervals: stalls, usableCores: 1 });
    expect(v).toMatchObject({ saturated: false, lagBoundSeconds: 6, affectedSeconds: [] });
  });

  it('two separated bad seconds are not a stretch; a run shorter than the rule needs all its seconds bound', () => {
    expect(
      judgeSaturation({
        intervals: run(seconds(2, 100, 1), seconds(1, 10, 1), seconds(2, 100, 1)),
        usableCores: 1,
      }).saturated,
    ).toBe(false);
    expect(judgeSaturation({ intervals: seconds(2, 100, 1), usableCores: 1 }).saturated).toBe(true);
  });

  it('a run of a fraction of a second is never saturated: one partial second has no sustained evidence', () => {
    // The review's short run: 3 iterations on 2 threads, one interval of 3.9 ms read at 205-262%.
    const blip = seconds(1, 262, 25, 40).map((i) => ({ ...i, lengthMs: 3.9, dropped: 2 }));
    expect(judgeSaturation({ intervals: blip, usableCores: 2 })).toMatchObject({
      saturated: false,
      affectedSeconds: [],
    });
    const nearlyASecond = seconds(1, 200, 30).map((i) => ({ ...i, lengthMs: 900 }));
    expect(judgeSaturation({ intervals: nearlyASecond, usableCores: 2 }).saturated).toBe(false);
  });

  it('seconds count by their length: a partial last second of a few ms does not complete a stretch', () => {
    const tail = seconds(1, 200, 1).map((i) => ({ ...i, lengthMs: 5 }));
    const v = judgeSaturation({
      intervals: run(seconds(8, 50, 1), seconds(2, 200, 1), tail),
      usableCores: 2,
    });
    expect(v).toMatchObject({ saturated: false, cpuBusySeconds: 3 });
  });

  it('a short run bound all through its one and a half seconds is still saturated', () => {
    const half = seconds(1, 195, 1).map((i) => ({ ...i, lengthMs: 500 }));
    const v = judgeSaturation({ intervals: run(seconds(1, 195, 1), half), usableCores: 2 });
    expect(v.saturated).toBe(true);
    expect(v.reasons[0]).toMatch(/for 1\.5\+ seconds in a row: seconds 1-2/);
  });
});
