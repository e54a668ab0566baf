/**
 * Prometheus histogram buckets computed from an HDR histogram at scrape time: the runner records each
 * request once (into HDR) and never into a second, coarser structure on the hot path.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import type { Histogram } from './histogram.js';

/** Web latencies in seconds: 1 ms to 10 s, roughly doubling. */
export const WEB_LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface PromBuckets {
  /** Cumulative counts for each bound in `bounds`, then +Inf. */
  cumulative: number[];
  count: number;
  sumSeconds: number;
}

/** Buckets for microsecond HDR data: a sample counts under `le` when its HDR bucket lies at or below it. */
export function promBuckets(histogram: Histogram, boundsSeconds: readonly number[]): PromBuckets {
  const h = histogram as unknown as JsHistogram;
  const cumulative = new Array<number>(boundsSeconds.length).fill(0);
  for (let i = 0; i < h.countsArrayLength; i++) {
    const n = h.getCountAtIndex(i);
    if (n === 0) continue;
    const seconds = h.valueFromIndex(i) / 1e6;
    for (let b = 0; b < boundsSeconds.length; b++)
      if (seconds <= (boundsSeconds[b] as number)) cumulative[b] = (cumulative[b] as number) + n;
  }
  const count = histogram.totalCount;
  return { cumulative, count, sumSeconds: (histogram.mean * count) / 1e6 };
}
