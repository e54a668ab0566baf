import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram } from '../../src/metrics/histogram.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import type { ShardSnapshot, StepSnapshot } from '../../src/metrics/snapshot.js';
import { parseThresholdExpression, parseThresholdKey } from '../../src/metrics/threshold-expr.js';
import { compileThresholds, evaluateThresholds } from '../../src/metrics/thresholds.js';

describe('threshold syntax', () => {
  it('parses keys with tags and expressions with units', () => {
    expect(parseThresholdKey('http_req_duration{step:login, scenario:shop}')).toMatchObject({
      metric: 'http_req_duration',
      kind: 'trend',
      tags: { step: 'login', scenario: 'shop' },
    });
    expect(parseThresholdExpression('p(99.9) <= 1.5s', 'trend')).toMatchObject({
      aggregation: 'p',
      percentile: 99.9,
      operator: '<=',
      value: 1500,
    });
    expect(parseThresholdExpression('avg<200', 'trend')).toMatchObject({ aggregation: 'avg', value: 200 });
    expect(parseThresholdExpression('rate<1%', 'rate')).toMatchObject({ value: 0.01 });
    expect(parseThresholdExpression('count>100', 'counter')).toMatchObject({
      aggregation: 'count',
      value: 100,
    });
  });

  it('rejects nonsense with a reason', () => {
    expect(() => parseThresholdExpression('p(0)<1', 'trend')).toThrow(/above 0/);
    expect(() => parseThresholdExpression('avg<5%', 'trend')).toThrow(/not a time unit/);
    expect(() => parseThresholdKey('checks{step}')).toThrow(/name:value/);
    expect(() => parseThresholdKey('http_reqs{class:timeout}')).toThrow(/not supported on http_reqs/);
  });
});

function step(
  name: string,
  latenciesUs: number[],
  failures: number,
  checks = { passes: 0, fails: 0 },
): StepSnapshot {
  const h = createHistogram();
  for (const v of latenciesUs) h.recordValue(v);
  return {
    scenario: 's',
    step: name,
    protocol: 'http',
    requests: latenciesUs.length,
    failures,
    bytesIn: 0,
    bytesOut: 0,
    errors: failures ? { http_5xx: failures } : {},
    statuses: {},
    checks,
    durationHdr: encodeHistogram(h),
  };
}

function snapshot(steps: StepSnapshot[]): ShardSnapshot {
  return {
    schemaVersion: 1,
    shard: { index: 0, total: 1 },
    process: { key: 'p', cores: 1, threads: 1 },
    startedAtMs: 0,
    elapsedMs: 10_000,
    done: true,
    steps,
    scenarios: [],
    intervals: [],
    errorSamples: [],
  };
}

describe('threshold evaluation on merged data', () => {
  const run = mergeSnapshots([
    snapshot([
      step(
        'login',
        Array.from({ length: 100 }, (_, i) => (i + 1) * 1000),
        2,
        { passes: 98, fails: 2 },
      ),
    ]),
    snapshot([
      step(
        'browse',
        Array.from({ length: 100 }, () => 5000),
        0,
      ),
    ]),
  ]);

  it('evaluates trends, rates, counters and tags', () => {
    const results = evaluateThresholds(
      run,
      compileThresholds({
        'http_req_duration{step:login}': ['p(95)<96ms', 'max<=100.1ms'],
        http_req_duration: ['med<10ms'],
        errors: ['rate<0.02'],
        'errors{class:http_5xx}': ['rate<=1%'],
        checks: ['rate>0.99'],
        http_reqs: ['count==200', 'rate>=20'],
      }),
    );
    // HDR reports a bucket's highest equivalent value: within 0.1% of the recorded sample (3 significant digits).
    const expected: [string, string, number, boolean][] = [
      ['http_req_duration{step:login}', 'p(95)<96ms', 95, true],
      ['http_req_duration{step:login}', 'max<=100.1ms', 100, true],
      ['http_req_duration', 'med<10ms', 5, true],
      ['errors', 'rate<0.02', 0.01, true],
      ['errors{class:http_5xx}', 'rate<=1%', 0.01, true],
      ['checks', 'rate>0.99', 0.98, false],
      ['http_reqs', 'count==200', 200, true],
      ['http_reqs', 'rate>=20', 20, true],
    ];
    expect(results.map((r) => [r.metric, r.threshold, r.passed])).toEqual(
      expected.map(([m, t, , p]) => [m, t, p]),
    );
    results.forEach((r, i) => {
      const value = (expected[i] as (typeof expected)[number])[2];
      expect(Math.abs((r.actual as number) - value)).toBeLessThanOrEqual(value * 0.001);
    });
  });

  it('fails a threshold that has no data', () => {
    const [result] = evaluateThresholds(
      run,
      compileThresholds({ 'http_req_duration{step:nope}': ['p(95)<1s'] }),
    );
    expect(result).toMatchObject({ actual: null, passed: false });
  });
});
