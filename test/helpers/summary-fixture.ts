/**
 * Summaries for report tests. The base comes from the real recorder, merge and buildSummary; the per-second
 * series and the load levels are hand-built, since those come from long runs or from another module
 * (src/analysis levels) that a unit test should not depend on.
 */
import type { LevelSummary, Scalability } from '../../src/analysis/model.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { buildSummary, type IntervalSummary, type Summary } from '../../src/report/summary.js';
import { shardSnapshot } from './snapshots.js';

export interface FixtureOptions {
  requests?: number;
  latencyUs?: number;
  failures?: number;
  seconds?: number;
  levels?: boolean;
}

/** A stepped run: VUs 10, 20, ... 60, each for 10 s, then again; latency rising with load, errors at the top. */
export function timeseriesFixture(seconds: number): IntervalSummary[] {
  return Array.from({ length: seconds }, (_, second) => {
    const vus = 10 * (1 + (Math.floor(second / 10) % 6));
    const p50 = 4 + vus * 0.05 + (second % 3) * 0.2;
    const requests = Math.round(vus * 45 - vus * vus * 0.2);
    const failures = vus >= 50 ? Math.round(requests * 0.01 * (vus / 50)) : 0;
    return {
      second,
      requests,
      rps: requests,
      failures,
      errorRate: requests ? failures / requests : 0,
      p50Ms: +p50.toFixed(2),
      p95Ms: +(p50 * 2.1 + vus * 0.02).toFixed(2),
      p99Ms: +(p50 * 3.4 + vus * 0.05).toFixed(2),
      maxMs: +(p50 * 6).toFixed(2),
      vus,
      iterations: requests,
      dropped: 0,
      cpuPercent: 20 + vus * 0.5,
      loopDelayP99Ms: 1.2,
    };
  });
}

export function levelsFixture(): Scalability {
  const level = (index: number, load: number, p95Ms: number, phase: LevelSummary['phase']): LevelSummary => ({
    index,
    scenario: 'steps',
    unit: 'vus',
    load,
    phase,
    fromSecond: index * 10,
    toSecond: index * 10 + 10,
    requests: load * 400,
    rps: load * 40,
    errorRate: load >= 50 ? 0.01 : 0,
    p50Ms: p95Ms / 2.2,
    p95Ms,
    p99Ms: p95Ms * 1.6,
    generatorCpuPercent: 30,
    stopConditionsMet: [],
    withinSlo: p95Ms < 40,
  });
  const levels = [
    level(0, 10, 9.5, 'load'),
    level(1, 20, 10.4, 'load'),
    level(2, 30, 12.1, 'load'),
    level(3, 40, 18.7, 'load'),
    level(4, 50, 35.2, 'load'),
    level(5, 60, 71.8, 'load'),
    level(6, 10, 11.2, 'recovery'),
  ];
  const derived = <T>(value: T | null) => ({ value, method: 'fixture' });
  return {
    levels,
    linearRange: derived({ fromLoad: 10, toLoad: 30 }),
    degradationPoint: derived({ level: 3, load: 40, p95Ms: 18.7, factor: 1.97 }),
    breakingPoint: derived(null),
    recovery: derived({ seconds: 3, recovered: true }),
    capacityAtSlo: derived({ level: 4, load: 50, rps: 2000 }),
    rating: 'saturating',
  };
}

export function summaryFixture(opts: FixtureOptions = {}): Summary {
  const run = mergeSnapshots([
    shardSnapshot(0, 1, {
      requests: opts.requests ?? 200,
      latencyUs: opts.latencyUs ?? 10_000,
      failures: opts.failures ?? 0,
      done: true,
      elapsedMs: (opts.seconds ?? 10) * 1000,
    }),
  ]);
  const summary = buildSummary({
    name: 'fixture <run> & "quotes"',
    target: 'http://127.0.0.1:8080',
    run,
    plans: [],
    thresholds: [
      {
        metric: 'http_req_duration',
        threshold: 'p(95)<500',
        actual: 21.4,
        unit: 'ms',
        passed: true,
        abortOnFail: false,
      },
    ],
    outcome: 'completed',
    finishedAtMs: Date.parse('2026-01-01T00:01:10Z'),
  });
  return {
    ...summary,
    startedAt: '2026-01-01T00:00:00.000Z',
    timeseries: timeseriesFixture(opts.seconds ?? 70),
    ...(opts.levels ? { scalability: levelsFixture() } : {}),
  };
}

/**
 * A summary that fills every report.md section report.html converts: configuration (two scenarios),
 * WebSocket and PostgreSQL steps, three custom metrics, and resources with load levels and a target series.
 * Names carry markup and a bar, which must stay text.
 */
export function sectionsFixture(): Summary {
  const base = summaryFixture({ seconds: 10, levels: true });
  const stats = base.latency;
  const first = base.steps[0] as Summary['steps'][number];
  const scenario = base.scenarios[0] as Summary['scenarios'][number];
  const wsStep: Summary['steps'][number] = {
    ...first,
    step: 'chat <ws>',
    protocol: 'ws',
    ws: {
      sessions: 12,
      messagesSent: 340,
      messagesReceived: 338,
      sentPerSecond: 34,
      receivedPerSecond: 33.8,
      connectTime: stats,
      sessionDuration: stats,
    },
  };
  const pgStep: Summary['steps'][number] = {
    ...first,
    step: 'balance',
    protocol: 'pg',
    pg: { rows: 900, rowsPerSecond: 90, poolWait: stats, queryTime: stats },
  };
  const scalability = base.scalability as Scalability;
  return {
    ...base,
    scalability: {
      ...scalability,
      levels: scalability.levels.map((l) => ({
        ...l,
        generatorRssMb: 80 + l.index,
        targetCpuCores: 0.1 * (l.index + 1),
        targetMemoryMb: 100 + l.index,
      })),
    },
    scenarios: [scenario, { ...scenario, name: 'second | bar' }],
    steps: [...base.steps, wsStep, pgStep],
    customMetrics: [
      {
        name: 'queue_position',
        type: 'trend',
        steps: ['s/a'],
        samples: 20,
        invalid: 1,
        trend: { mean: 4.5, min: 1, p50: 4, p90: 8, p95: 9, p99: 10, max: 10 },
      },
      {
        name: 'cache_hits',
        type: 'counter',
        steps: ['s/a'],
        samples: 20,
        invalid: 0,
        count: 14,
        perSecond: 1.4,
      },
      { name: 'fresh', type: 'rate', steps: ['s/a'], samples: 20, invalid: 0, rate: 0.25 },
    ],
    targetResources: {
      source: { url: 'http://127.0.0.1:9090', cpuQuery: 'cpu', memoryQuery: 'mem' },
      memoryGrowthMbPerHour: 12.5,
      leakThresholdMbPerHour: 5000,
      leakSuspected: false,
      series: [
        { second: 1, cpuCores: 0.5, memoryMb: 120 },
        { second: 2, cpuCores: 0.6, memoryMb: 121 },
        { second: 3, cpuCores: 0.55, memoryMb: 121.5 },
      ],
    },
  };
}
