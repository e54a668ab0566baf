/**
 * Hand-built summaries for analysis and report tests: a healthy run by default, with the parts a test
 * cares about overridden. Every figure is written out, so a test reads as the data it judges.
 */
import type { LevelSummary } from '../../src/analysis/model.js';
import { emptyErrorCounts } from '../../src/metrics/error-class.js';
import type { LatencyStats } from '../../src/metrics/histogram.js';
import type { IntervalSummary, StepSummary, Summary } from '../../src/report/summary.js';

export function latency(p50Ms: number, p95Ms: number, p99Ms: number, count = 1000): LatencyStats {
  return {
    count,
    minMs: p50Ms / 2,
    meanMs: p50Ms,
    p50Ms,
    p90Ms: (p50Ms + p95Ms) / 2,
    p95Ms,
    p99Ms,
    p999Ms: p99Ms,
    maxMs: p99Ms * 1.2,
    stddevMs: (p95Ms - p50Ms) / 2,
  };
}

export function step(name: string, overrides: Partial<StepSummary> = {}): StepSummary {
  return {
    scenario: 'api',
    step: name,
    protocol: 'http',
    requests: 1000,
    rps: 100,
    failures: 0,
    errorRate: 0,
    latency: latency(10, 20, 30),
    statuses: { '200': 1000 },
    errors: {},
    checks: { passes: 0, fails: 0 },
    ...overrides,
  };
}

export function second(n: number, overrides: Partial<IntervalSummary> = {}): IntervalSummary {
  return {
    second: n,
    requests: 100,
    rps: 100,
    failures: 0,
    errorRate: 0,
    p50Ms: 10,
    p95Ms: 20,
    p99Ms: 30,
    maxMs: 40,
    vus: 10,
    iterations: 100,
    dropped: 0,
    cpuPercent: 20,
    loopDelayP99Ms: 1,
    ...overrides,
  };
}

export function level(
  index: number,
  load: number,
  rps: number,
  p95Ms: number,
  more: Partial<LevelSummary> = {},
) {
  return {
    index,
    scenario: 'steps',
    unit: 'vus',
    load,
    phase: 'load',
    fromSecond: index * 10,
    toSecond: index * 10 + 10,
    requests: rps * 10,
    rps,
    errorRate: 0,
    p50Ms: p95Ms / 2,
    p95Ms,
    p99Ms: p95Ms * 1.5,
    generatorCpuPercent: 20,
    stopConditionsMet: [],
    withinSlo: true,
    ...more,
  } satisfies LevelSummary;
}

/** A clean 10-second closed-model run: 1000 requests at 100/s, p95 20 ms, no errors, thresholds passed. */
export function healthySummary(overrides: Partial<Summary> = {}): Summary {
  return {
    schemaVersion: 1,
    kind: 'StampedeSummary',
    loadTest: { name: 'healthy' },
    target: 'http://127.0.0.1:8080',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:10.000Z',
    durationSeconds: 10,
    outcome: 'completed',
    verdict: 'passed',
    latencyModel: 'closed',
    totals: {
      requests: 1000,
      rps: 100,
      failures: 0,
      errorRate: 0,
      bytesIn: 100_000,
      bytesOut: 50_000,
      iterations: 1000,
      droppedIterations: 0,
      interruptedIterations: 0,
      checks: { passes: 0, fails: 0, passRate: null },
    },
    latency: latency(10, 20, 30),
    steps: [step('get')],
    scenarios: [
      {
        name: 'api',
        executor: 'constant-vus',
        model: 'closed',
        plan: '10 VUs for 10s',
        iterations: 1000,
        failedIterations: 0,
        droppedIterations: 0,
        interruptedIterations: 0,
        peakVUs: 10,
        iterationDuration: latency(10, 20, 30),
        latency: latency(10, 20, 30),
      },
    ],
    errors: { byClass: emptyErrorCounts(), samples: [] },
    thresholds: [
      {
        metric: 'http_req_duration',
        threshold: 'p(95)<500',
        actual: 20,
        unit: 'ms',
        passed: true,
        abortOnFail: false,
      },
    ],
    generator: {
      saturated: false,
      reasons: [],
      affectedSeconds: [],
      cpuBusySeconds: 0,
      loopBoundSeconds: 0,
      lagBoundSeconds: 0,
      maxCpuPercent: 25,
      maxLoopDelayP99Ms: 2,
      processes: 1,
      threads: 1,
      cores: 2,
      meanCpuPercent: 20,
    },
    shards: [{ index: 0, total: 1, done: true, elapsedMs: 10_000, requests: 1000 }],
    timeseries: Array.from({ length: 10 }, (_, i) => second(i)),
    ...overrides,
  };
}
