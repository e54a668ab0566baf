import { describe, expect, it } from 'vitest';
import { createIntervalHistogram, recordUs } from '../../src/metrics/histogram.js';
import type { MergedInterval } from '../../src/metrics/merge.js';
import { ThresholdSyntaxError } from '../../src/metrics/threshold-expr.js';
import { compileThresholds } from '../../src/metrics/thresholds.js';
import {
  evaluateOnWindow,
  intervalsWithin,
  parseWindowCondition,
  thresholdsOnWindow,
} from '../../src/metrics/window-expr.js';

function second(n: number, requests: number, latencyMs: number, failures = 0): MergedInterval {
  const duration = createIntervalHistogram();
  for (let i = 0; i < requests; i++) recordUs(duration, latencyMs * 1000);
  return {
    second: n,
    requests,
    failures,
    bytesIn: 0,
    iterations: requests,
    dropped: 2,
    checksPass: requests - failures,
    checksFail: failures,
    vus: 0,
    duration,
    loopDelayP99Ms: 0,
    loopDelayMaxMs: 0,
    cpuPercent: 0,
  };
}

const window = [second(4, 100, 10, 2), second(5, 100, 300, 8)];

describe('conditions judged on a window of per-second intervals', () => {
  it('a metric is optional: p(N) reads latency, rate reads errors, count reads requests', () => {
    expect(parseWindowCondition('p(95)>1s').key.metric).toBe('http_req_duration');
    expect(parseWindowCondition('rate>5%').key.metric).toBe('errors');
    expect(parseWindowCondition('count>10').key.metric).toBe('http_reqs');
    expect(parseWindowCondition('errors rate>5%').expression).toMatchObject({
      aggregation: 'rate',
      value: 0.05,
    });
    expect(parseWindowCondition('http_reqs rate<90').key.metric).toBe('http_reqs');
  });

  it('values over the window: latency percentiles from the merged histograms, rates over all its requests', () => {
    expect(evaluateOnWindow(parseWindowCondition('p(95)>250ms'), window)).toEqual({
      actual: expect.closeTo(300, -1),
      held: true,
    });
    expect(evaluateOnWindow(parseWindowCondition('p(25)>250ms'), window).held).toBe(false);
    expect(evaluateOnWindow(parseWindowCondition('errors rate>5%'), window)).toEqual({
      actual: 0.05,
      held: false,
    });
    expect(evaluateOnWindow(parseWindowCondition('checks rate<0.99'), window)).toEqual({
      actual: 0.95,
      held: true,
    });
    expect(evaluateOnWindow(parseWindowCondition('http_reqs rate<150'), window)).toEqual({
      actual: 100,
      held: true,
    });
    expect(evaluateOnWindow(parseWindowCondition('dropped_iterations count>3'), window)).toEqual({
      actual: 4,
      held: true,
    });
    // No data never holds: an empty window cannot break a level.
    expect(evaluateOnWindow(parseWindowCondition('p(95)>0ms'), []).held).toBe(false);
  });

  it('tagged or other metrics are refused with what is allowed', () => {
    expect(() => parseWindowCondition('http_req_duration{step:a} p(95)>1s')).toThrow(ThresholdSyntaxError);
    expect(() => parseWindowCondition('pg_pool_wait p(95)>1s')).toThrow(
      /cannot be judged per second; use one of/,
    );
  });

  it('thresholds on a window: the untagged ones are judged, the rest are named as skipped', () => {
    const t = compileThresholds({
      http_req_duration: ['p(50)<400ms'],
      'errors{class:timeout}': ['rate<0.01'],
    });
    expect(thresholdsOnWindow(t, window)).toEqual({
      passed: true,
      skipped: ['errors{class:timeout} rate<0.01'],
    });
  });

  it('a window takes the seconds wholly inside it: interval s covers (s-1, s]', () => {
    const all = [1, 2, 3, 4, 5].map((n) => second(n, 1, 1));
    expect(intervalsWithin(all, 1, 3).map((i) => i.second)).toEqual([2, 3]);
    expect(intervalsWithin(all, 2.5, 5).map((i) => i.second)).toEqual([4, 5]);
  });
});
