import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  createIntervalHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_US,
  type Histogram,
  recordUs,
} from '../../src/metrics/histogram.js';

/** What hdr-histogram-js itself writes for the histogram: the reference the fast encoder must match. */
const reference = (h: Histogram) => hdr.encodeIntoCompressedBase64(h);

describe('encodeHistogram', () => {
  it('writes exactly the bytes hdr-histogram-js writes, for any recorded values and both precisions', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: HIGHEST_US })),
            fc.integer({ min: 1, max: 3 }),
          ),
          { maxLength: 300 },
        ),
        (interval, samples) => {
          const h = interval ? createIntervalHistogram() : createHistogram();
          for (const [us, times] of samples) for (let i = 0; i < times; i++) recordUs(h, us);
          expect(encodeHistogram(h)).toBe(reference(h));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches for counts that need every word length a count can take', () => {
    const h = createHistogram();
    // ZigZag doubles a count, so 2^(7k-1) needs k+1 bytes; counts stay below 2^53 (exact in a double), so
    // 2^52 takes the longest word one can (8 bytes; the format's 9th byte is for values from 2^56).
    for (let k = 1; k <= 7; k++) h.recordValueWithCount(1000 * k, 2 ** (7 * k - 1));
    h.recordValueWithCount(HIGHEST_US, 2 ** 52);
    expect(encodeHistogram(h)).toBe(reference(h));
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(h.totalCount);
    expect(back.getValueAtPercentile(100)).toBe(h.getValueAtPercentile(100));
  });

  it('matches for an empty histogram and a single value', () => {
    expect(encodeHistogram(createHistogram())).toBe(reference(createHistogram()));
    const one = createHistogram();
    recordUs(one, 1234);
    expect(encodeHistogram(one)).toBe(reference(one));
  });
});
