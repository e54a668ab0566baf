import { describe, expect, it } from 'vitest';
import { computeLevels } from '../../src/analysis/levels.js';
import type { Scenario } from '../../src/api/schema.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { createIntervalHistogram, recordUs } from '../../src/metrics/histogram.js';
import type { MergedInterval } from '../../src/metrics/merge.js';
import { compileThresholds } from '../../src/metrics/thresholds.js';

const flow = [{ request: { url: '/' } }];
const WHOLE = { index: 0, total: 1 };

/** One merged second: `requests` requests of `latencyMs` each, `failures` of them failed. */
function second(
  n: number,
  requests: number,
  latencyMs: number,
  failures = 0,
  cpu = 20,
  rss = 100,
): MergedInterval {
  const duration = createIntervalHistogram();
  for (let i = 0; i < requests; i++) recordUs(duration, latencyMs * 1000);
  return {
    second: n,
    requests,
    failures,
    bytesIn: 0,
    iterations: requests,
    dropped: 0,
    checksPass: 0,
    checksFail: 0,
    vus: 0,
    duration,
    loopDelayP99Ms: 1,
    loopDelayMaxMs: 1,
    cpuPercent: cpu,
    rssMb: rss,
  };
}

const stepped = {
  executor: 'breakpoint',
  levels: { unit: 'vus', start: 10, step: 10, max: 40, duration: '3s' },
  stopWhen: ['p(95)>100ms', 'errors rate>5%'],
  recovery: { duration: '4s' },
  flow,
} as unknown as Scenario;

describe('load levels from merged per-second intervals', () => {
  it('one row per level, skipping the settle second, cut where stepping stopped, then the recovery', () => {
    const plan = EXECUTOR_REGISTRY.breakpoint.plan('search', stepped, WHOLE);
    // Level 0: s1-3 (s1 settles), level 1: s4-6, level 2: s7-9 breaks; stop at 8.5 s; recovery 8.5-12.5 s.
    const intervals = [
      second(1, 50, 500), // settle second: slow, but not counted
      second(2, 100, 10, 0, 10, 90),
      second(3, 100, 10, 0, 30, 110),
      second(4, 150, 20),
      second(5, 200, 12),
      second(6, 200, 14),
      second(7, 250, 30),
      second(8, 250, 400, 50),
      second(9, 100, 300),
      second(10, 100, 50),
      second(11, 100, 10),
      second(12, 100, 10),
    ];
    const result = computeLevels({
      intervals,
      plans: [plan],
      stops: new Map([['search', { stoppedAtMs: 8500, level: 2, condition: 'p(95)>100ms' }]]),
      thresholds: compileThresholds({
        http_req_duration: ['p(99)<50ms'],
        'http_req_duration{step:x}': ['p(95)<1s'],
      }),
    });
    expect(result?.source).toBe('breakpoint');
    const levels = result?.levels ?? [];
    expect(levels.map((l) => [l.index, l.phase, l.load, l.fromSecond, l.toSecond, l.requests])).toEqual([
      [0, 'load', 10, 1, 3, 200],
      [1, 'load', 20, 4, 6, 400],
      [2, 'load', 30, 7, 8.5, 250],
      [3, 'recovery', 10, 8.5, 12.5, 300],
    ]);
    expect(levels[0]).toMatchObject({
      rps: 100,
      errorRate: 0,
      p95Ms: expect.closeTo(10, 0),
      generatorCpuPercent: 20,
      generatorRssMb: 110,
      stopConditionsMet: [],
      withinSlo: true,
      unit: 'vus',
    });
    expect(levels[2]).toMatchObject({
      errorRate: 0.2,
      stopConditionsMet: ['p(95)>100ms', 'errors rate>5%'],
      withinSlo: false,
    });
    expect(result?.recoveryFromSecond).toBe(8.5);
    expect(result?.recoverySeries.map((s) => s.second)).toEqual([10, 11, 12]);
    expect(result?.method).toMatch(/skipping the first 1 s of each load level/);
    // The tagged threshold cannot be judged per second, and the method says so.
    expect(result?.method).toMatch(/not judged per level.*http_req_duration\{step:x\} p\(95\)<1s/);
  });

  it('the recovery row is judged by the same stop conditions as the levels', () => {
    const plan = EXECUTOR_REGISTRY.breakpoint.plan('search', stepped, WHOLE);
    const slowRecovery = [
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => second(n, 100, 10)),
      second(8, 250, 400, 50),
      ...[9, 10, 11, 12].map((n) => second(n, 100, 504)),
    ];
    const result = computeLevels({
      intervals: slowRecovery,
      plans: [plan],
      stops: new Map([['search', { stoppedAtMs: 8500, level: 2, condition: 'p(95)>100ms' }]]),
      thresholds: [],
    });
    const recovery = result?.levels.find((l) => l.phase === 'recovery');
    expect(recovery).toMatchObject({ stopConditionsMet: ['p(95)>100ms'], withinSlo: false });
    expect(recovery?.p95Ms).toBeGreaterThan(400);
  });

  it('a partial last second counts for its length in the generator CPU, as in rps', () => {
    const plan = EXECUTOR_REGISTRY.breakpoint.plan('search', stepped, WHOLE);
    // The run was aborted 8.2 s in, inside level 2 (6-9 s, settled from 7 s): second 9 lasted 200 ms.
    const partial = { ...second(9, 20, 10, 0, 80), lengthMs: 200 };
    const intervals = [...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => second(n, 100, 10)), partial];
    const result = computeLevels({ intervals, plans: [plan], stops: new Map(), thresholds: [] });
    const level = result?.levels.find((l) => l.index === 2);
    expect(level).toMatchObject({ fromSecond: 7, requests: 120 });
    // (20% x 1 s + 80% x 0.2 s) / 1.2 s = 30%, not (20 + 80) / 2 = 50%; 120 requests / 1.2 s = 100/s.
    expect(level?.generatorCpuPercent).toBe(30);
    expect(level?.rps).toBe(100);
  });

  it('a ramping scenario with two or more plateaus gives one level per plateau', () => {
    const ramping = {
      executor: 'ramping-vus',
      stages: [
        { duration: '2s', target: 5 },
        { duration: '4s', target: 5 },
        { duration: '2s', target: 10 },
        { duration: '4s', target: 10 },
        { duration: '1s', target: 0 },
      ],
      flow,
    } as unknown as Scenario;
    const plan = EXECUTOR_REGISTRY['ramping-vus'].plan('shop', ramping, WHOLE);
    const intervals = Array.from({ length: 13 }, (_, i) => second(i + 1, 10 * (i + 1), 10));
    const result = computeLevels({ intervals, plans: [plan], stops: new Map(), thresholds: [] });
    expect(result?.source).toBe('stage-plateaus');
    expect(result?.levels.map((l) => [l.load, l.fromSecond, l.toSecond])).toEqual([
      [5, 3, 6],
      [10, 9, 12],
    ]);
    expect(result?.stopConditions).toEqual([]);
    // Rates are per second whatever the timeUnit: 120 a minute is 2/s.
    const perMinute = EXECUTOR_REGISTRY['ramping-arrival-rate'].plan(
      'feed',
      {
        executor: 'ramping-arrival-rate',
        timeUnit: '1m',
        preAllocatedVUs: 1,
        stages: [
          { duration: '3s', target: 120 },
          { duration: '3s', target: 120 },
          { duration: '3s', target: 240 },
          { duration: '3s', target: 240 },
        ],
        flow,
      } as unknown as Scenario,
      WHOLE,
    );
    const rates = computeLevels({ intervals, plans: [perMinute], stops: new Map(), thresholds: [] });
    expect(rates?.levels.map((l) => [l.unit, l.load])).toEqual([
      ['rate', 2],
      ['rate', 4],
    ]);
    // One plateau is not a series of levels.
    const single = EXECUTOR_REGISTRY['ramping-vus'].plan(
      'shop',
      { ...ramping, stages: ramping.stages?.slice(0, 3) } as Scenario,
      WHOLE,
    );
    expect(computeLevels({ intervals, plans: [single], stops: new Map(), thresholds: [] })).toBeUndefined();
  });
});
