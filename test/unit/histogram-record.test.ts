import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  createIntervalHistogram,
  encodeHistogram,
  HIGHEST_US,
  type Histogram,
  latencyStats,
  meanAndStdDeviation,
  recordUs,
} from '../../src/metrics/histogram.js';

/** Deterministic values over the whole range: every power of two and its neighbours, plus a spread. */
function values(): number[] {
  const out = [
    0,
    0.4,
    0.5,
    1,
    1.49,
    2,
    3,
    1023,
    1024,
    1025,
    2047,
    2048,
    2049,
    HIGHEST_US,
    HIGHEST_US + 5,
    1e12,
  ];
  for (let bit = 0; bit < 32; bit++) out.push(2 ** bit - 1, 2 ** bit, 2 ** bit + 1);
  let x = 7;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push((x / 2 ** 31) ** 4 * HIGHEST_US);
  }
  return out;
}

/** The library's own recording, with the same clamping recordUs applies. */
function reference(histogram: Histogram, us: number): void {
  histogram.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : Math.round(us));
}

describe('recordUs (integer bucket index) records exactly what hdr-histogram-js recordValue records', () => {
  for (const [name, create] of [
    ['3-digit run histogram', createHistogram],
    ['2-digit interval histogram', createIntervalHistogram],
  ] as const) {
    it(name, () => {
      const fast = create();
      const slow = create();
      for (const v of values()) {
        recordUs(fast, v);
        reference(slow, v);
      }
      expect(encodeHistogram(fast)).toBe(encodeHistogram(slow));
      expect(latencyStats(fast)).toEqual(latencyStats(slow));
      expect([fast.totalCount, fast.minNonZeroValue, fast.maxValue]).toEqual([
        slow.totalCount,
        slow.minNonZeroValue,
        slow.maxValue,
      ]);
    });
  }
});

describe('meanAndStdDeviation', () => {
  const shapes: [string, () => Histogram][] = [
    ['run histogram', createHistogram],
    ['interval histogram', createIntervalHistogram],
  ];
  for (const [name, create] of shapes) {
    it(`gives exactly hdr-histogram-js's mean and standard deviation (${name})`, () => {
      const samples = values();
      // Whole range, a narrow cluster, a single value, a few outliers: each shape's sums in bucket order.
      const sets = [samples, samples.slice(100, 400), [1234], [5, 5, 5, 9_000_000, 40]];
      for (const set of sets) {
        const h = create();
        for (const v of set) recordUs(h, v);
        const fast = meanAndStdDeviation(h);
        expect(fast.mean).toBe(h.mean);
        expect(fast.stdDeviation).toBe(h.stdDeviation);
      }
    });
  }

  it('is zero for an empty histogram', () => {
    expect(meanAndStdDeviation(createHistogram())).toEqual({ mean: 0, stdDeviation: 0 });
  });
});
