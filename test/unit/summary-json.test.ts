import { describe, expect, it } from 'vitest';
import { summaryFromJson, summaryToJson } from '../../src/analysis/summary-json.js';
import { createHistogram, latencyStats, recordUs } from '../../src/metrics/histogram.js';

describe('summary.json text form', () => {
  const empty = latencyStats(createHistogram());
  const full = (() => {
    const h = createHistogram();
    recordUs(h, 1500);
    return latencyStats(h);
  })();

  it('writes the figures of an empty histogram as null and keeps measured ones', () => {
    const text = summaryToJson({ latency: empty, steps: [{ latency: full, name: 'a' }] });
    const raw = JSON.parse(text);
    expect(raw.latency).toEqual({
      count: 0,
      minMs: null,
      meanMs: null,
      p50Ms: null,
      p90Ms: null,
      p95Ms: null,
      p99Ms: null,
      p999Ms: null,
      maxMs: null,
      stddevMs: null,
    });
    expect(raw.steps[0].latency.p50Ms).toBe(1.5);
  });

  it('reads the nulls back as the in-memory form, so a round trip is lossless', () => {
    const summary = { latency: empty, steps: [{ latency: full, name: 'a' }], other: { count: 0, x: null } };
    expect(summaryFromJson(summaryToJson(summary, 2))).toEqual(summary);
  });
});
