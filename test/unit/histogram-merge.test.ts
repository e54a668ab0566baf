import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, latencyStats, mergeEncoded } from '../../src/metrics/histogram.js';

/** A deterministic, heavy-tailed sample set: log-normal-ish latencies from 50 µs to minutes. */
function samples(n: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const u = x / 2 ** 31;
    out.push(Math.round(50 * Math.exp(u * 14)));
  }
  return out;
}

describe('lossless histogram merge', () => {
  for (const parts of [2, 4, 100]) {
    it(`merging ${parts} snapshots gives exactly the percentiles of one histogram fed every sample`, () => {
      const all = samples(50_000, parts);
      const whole = createHistogram();
      for (const v of all) whole.recordValue(v);
      const shards = Array.from({ length: parts }, () => createHistogram());
      all.forEach((v, i) => shards[i % parts]?.recordValue(v));
      const merged = mergeEncoded(shards.map(encodeHistogram));
      expect(merged.totalCount).toBe(whole.totalCount);
      for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]) {
        expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p));
      }
      expect(latencyStats(merged)).toEqual(latencyStats(whole));
    });
  }
});
