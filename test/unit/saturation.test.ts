import { describe, expect, it } from 'vitest';
import { judgeSaturation } from '../../src/analysis/saturation.js';
import { createHistogram } from '../../src/metrics/histogram.js';
import type { MergedInterval } from '../../src/metrics/merge.js';

function seconds(n: number, cpuPercent: number, loopDelayP99Ms: number): MergedInterval[] {
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
  }));
}

describe('generator saturation', () => {
  it('a healthy run is not saturated', () => {
    const v = judgeSaturation({ intervals: seconds(10, 40, 2), usableCores: 1, scheduleLagP99Ms: 1 });
    expect(v).toMatchObject({ saturated: false, reasons: [] });
  });

  it('CPU pinned on the usable cores for a fifth of the run is saturation', () => {
    const v = judgeSaturation({
      intervals: [...seconds(8, 50, 2), ...seconds(2, 195, 2)],
      usableCores: 2,
      scheduleLagP99Ms: undefined,
    });
    expect(v.saturated).toBe(true);
    expect(v.reasons[0]).toMatch(/CPU at or above 90% of 2 usable core\(s\) in 2 of 10 seconds/);
  });

  it('event-loop delay and schedule lag are each enough on their own', () => {
    expect(
      judgeSaturation({ intervals: seconds(5, 10, 45), usableCores: 1, scheduleLagP99Ms: 1 }).reasons[0],
    ).toMatch(/event-loop delay p99 at or above 20 ms in 5 of 5 seconds/);
    expect(
      judgeSaturation({ intervals: seconds(5, 10, 1), usableCores: 1, scheduleLagP99Ms: 35 }).reasons[0],
    ).toMatch(/schedule lag p99 35 ms/);
  });

  it('a brief spike is noise, not saturation', () => {
    const v = judgeSaturation({
      intervals: [...seconds(19, 20, 1), ...seconds(1, 100, 80)],
      usableCores: 1,
      scheduleLagP99Ms: undefined,
    });
    expect(v.saturated).toBe(false);
  });
});
