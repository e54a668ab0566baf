import { describe, expect, it } from 'vitest';
import { findBottlenecks } from '../../src/analysis/findings.js';
import { analyzeSummary } from '../../src/analysis/index.js';
import { emptyErrorCounts } from '../../src/metrics/error-class.js';
import { healthySummary, latency, level, second, step } from '../helpers/summaries.js';

const ids = (s: Parameters<typeof findBottlenecks>[0]) => findBottlenecks(s).map((f) => f.id);
const only = (s: Parameters<typeof findBottlenecks>[0], id: string) => {
  const found = findBottlenecks(s).filter((f) => f.id === id);
  expect(found).toHaveLength(1);
  return found[0] as NonNullable<(typeof found)[number]>;
};

describe('a healthy run', () => {
  it('has no findings at all', () => {
    expect(findBottlenecks(healthySummary())).toEqual([]);
  });

  it('keeps healthy levels free of a saturation finding when throughput follows load', () => {
    const scalability = {
      levels: [level(1, 10, 100, 20), level(2, 20, 198, 21), level(3, 40, 390, 24)],
    } as never;
    expect(ids(healthySummary({ scalability }))).toEqual([]);
  });
});

describe('saturation: throughput plateaus while latency climbs', () => {
  it('is found from load levels, naming the level where throughput stopped following load', () => {
    const scalability = {
      levels: [
        level(1, 10, 100, 20),
        level(2, 20, 195, 22),
        level(3, 40, 205, 80),
        level(4, 10, 100, 21, { phase: 'recovery' }),
      ],
    } as never;
    const f = only(healthySummary({ scalability }), 'saturation');
    expect(f.severity).toBe('warning');
    expect(f.title).toContain('about 195 requests/s');
    expect(f.evidence[1]).toContain('level 3 (40 VUs): 205.0 requests/s (+5% for +100% load), p95 80.0 ms');
    expect(f.evidence[2]).toContain('4.0x');
    expect(f.recommendation).toContain('level 2, 20 VUs');
  });

  it('is not raised when throughput flattens but latency holds (a capped arrival rate, say)', () => {
    const scalability = { levels: [level(1, 10, 100, 20), level(2, 20, 102, 21)] } as never;
    expect(ids(healthySummary({ scalability }))).toEqual([]);
  });

  it('is found from the per-second series of a ramp when there are no levels', () => {
    const timeseries = Array.from({ length: 30 }, (_, i) =>
      second(i, {
        vus: 10 + i * 3,
        rps: Math.min(100 + i * 30, 300),
        requests: Math.min(100 + i * 30, 300),
        p95Ms: i < 10 ? 20 : 20 + (i - 9) * 10,
      }),
    );
    const f = only(healthySummary({ timeseries }), 'saturation');
    expect(f.evidence[0]).toMatch(/^seconds 0-9: 24 VUs on average/);
    expect(f.evidence[2]).toContain('first and last third');
  });

  it('is not raised from a constant-VU series, whatever its latency does', () => {
    const timeseries = Array.from({ length: 30 }, (_, i) => second(i, { p95Ms: 20 + i * 10 }));
    expect(ids(healthySummary({ timeseries }))).toEqual([]);
  });
});

describe('error mix', () => {
  const withErrors = (byClass: Record<string, number>, requests = 1000) => {
    const failures = Object.values(byClass).reduce((a, b) => a + b, 0);
    return healthySummary({
      totals: { ...healthySummary().totals, requests, failures, errorRate: failures / requests },
      errors: { byClass: { ...emptyErrorCounts(), ...byClass }, samples: [] },
      timeseries: [second(0), second(1, { failures: 5 }), second(2)],
    });
  };

  it('reports every class by share and reads the dominant one', () => {
    const f = only(withErrors({ timeout: 60, refused: 20, http_5xx: 20 }), 'error-mix');
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('10.0% of requests failed, mostly timeout');
    expect(f.evidence).toEqual([
      '100 of 1000 requests failed (10.0%)',
      'timeout: 60 (60.0% of failures)',
      'refused: 20 (20.0% of failures)',
      'http_5xx: 20 (20.0% of failures)',
      'first failures in second 1',
    ]);
    expect(f.recommendation).toMatch(/^Timeouts dominate/);
  });

  it('grades by error rate: under 1% is info, 1-5% a warning', () => {
    expect(only(withErrors({ refused: 5 }), 'error-mix').severity).toBe('info');
    expect(only(withErrors({ refused: 20 }), 'error-mix').severity).toBe('warning');
    expect(only(withErrors({ refused: 20 }), 'error-mix').recommendation).toMatch(/^Refused connections/);
  });

  it('names the SQLSTATE class when database errors dominate', () => {
    const f = only(withErrors({ pg_42: 30 }), 'error-mix');
    expect(f.recommendation).toContain('SQLSTATE class 42');
  });
});

describe('slow steps', () => {
  it('lists steps whose p95 is at least twice the median step, with their share of request time', () => {
    const steps = [
      step('list', { latency: latency(10, 20, 30) }),
      step('detail', { latency: latency(12, 22, 35) }),
      step('search', { latency: latency(80, 200, 400) }),
    ];
    const f = only(healthySummary({ steps }), 'slow-steps');
    expect(f.title).toBe('Slowest step: api/search (p95 200 ms, 9.1x the median step)');
    expect(f.severity).toBe('warning');
    expect(f.evidence[1]).toBe(
      'api/search: p95 200 ms, p99 400 ms, 1000 requests, 78.4% of all request time',
    );
    expect(f.recommendation).toContain('api/search');
  });

  it('is not raised for steps of similar speed, or for a single step', () => {
    const steps = [step('a', { latency: latency(10, 20, 30) }), step('b', { latency: latency(12, 30, 40) })];
    expect(ids(healthySummary({ steps }))).toEqual([]);
    expect(ids(healthySummary({ steps: [step('only', { latency: latency(500, 900, 1000) })] }))).toEqual([]);
  });
});

describe('generator saturated', () => {
  it('is critical and carries the saturation reasons as evidence', () => {
    const generator = {
      ...healthySummary().generator,
      saturated: true,
      reasons: ['CPU at or above 90% of 1 usable core(s) in 8 of 10 seconds'],
      maxCpuPercent: 99,
      meanCpuPercent: 95,
    };
    const f = only(healthySummary({ generator }), 'generator-saturated');
    expect(f.severity).toBe('critical');
    expect(f.evidence[0]).toBe('CPU at or above 90% of 1 usable core(s) in 8 of 10 seconds');
    expect(f.evidence[1]).toContain('CPU mean 95%, max 99%');
  });
});

describe('database pool wait', () => {
  const pgStep = (poolWaitP95: number, queryP95: number) =>
    step('query', {
      protocol: 'pg',
      latency: latency(poolWaitP95, poolWaitP95 + queryP95, poolWaitP95 + queryP95),
      pg: {
        rows: 1000,
        rowsPerSecond: 100,
        poolWait: latency(poolWaitP95 / 2, poolWaitP95, poolWaitP95 * 1.2),
        queryTime: latency(queryP95 / 2, queryP95, queryP95 * 1.2),
      },
    });

  it('is raised when waiting for a connection dominates query time', () => {
    const f = only(healthySummary({ steps: [pgStep(40, 4)] }), 'pg-pool-wait');
    expect(f.severity).toBe('warning');
    expect(f.evidence[0]).toBe('pool wait p50 / p95 / p99: 20.0 ms / 40.0 ms / 48.0 ms');
    expect(f.evidence[2]).toBe("pool wait is 90.9% of the step's mean latency");
    expect(f.evidence[3]).toBe('scenario api peaked at 10 VUs');
    expect(f.recommendation).toContain('spec.postgres.pool');
  });

  it('is not raised when queries take longer than the wait, or the wait is sub-millisecond', () => {
    expect(ids(healthySummary({ steps: [pgStep(2, 10)] }))).toEqual([]);
    expect(ids(healthySummary({ steps: [pgStep(0.5, 0.2)] }))).toEqual([]);
  });
});

describe('WebSocket connect failures', () => {
  const wsStep = (sessions: number, errors: Record<string, number>) =>
    step('connect', {
      protocol: 'ws',
      errors,
      failures: Object.values(errors).reduce((a, b) => a + b, 0),
      latency: latency(0, 0, 0, 0),
      ws: {
        sessions,
        messagesSent: 0,
        messagesReceived: 0,
        sentPerSecond: 0,
        receivedPerSecond: 0,
        connectTime: latency(2, 30, 80, sessions),
        sessionDuration: latency(100, 100, 100, sessions),
      },
    });

  it('is raised when handshakes fail during a connection storm', () => {
    const s = healthySummary({
      steps: [wsStep(900, { ws_handshake: 100 })],
      errors: {
        byClass: emptyErrorCounts(),
        samples: [
          { scenario: 'api', step: 'connect', class: 'ws_handshake', message: 'HTTP 503', count: 100 },
        ],
      },
    });
    const f = only(s, 'ws-connect-failures');
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('10.0% of WebSocket connection attempts at api/connect failed');
    expect(f.evidence[0]).toBe('1000 connection attempts, 900 opened, 100 failed: ws_handshake 100');
    expect(f.evidence).toContain('sample (100x ws_handshake): HTTP 503');
    expect(f.recommendation).toContain('refused 100 of them');
  });

  it('is a warning between 1% and 5%, and absent below 1%', () => {
    expect(
      only(healthySummary({ steps: [wsStep(980, { refused: 20 })] }), 'ws-connect-failures').severity,
    ).toBe('warning');
    expect(ids(healthySummary({ steps: [wsStep(995, { refused: 5 })] }))).toEqual([]);
  });
});

describe('memory growth', () => {
  it('is raised from a suspected leak, with the slope and its samples', () => {
    const targetResources = {
      source: { url: 'http://127.0.0.1:9090', cpuQuery: 'cpu', memoryQuery: 'mem' },
      memoryGrowthMbPerHour: 720,
      leakThresholdMbPerHour: 10,
      leakSuspected: true,
      series: [
        { second: 0, cpuCores: 0.1, memoryMb: 50 },
        { second: 10, cpuCores: 0.1, memoryMb: 52 },
      ],
    };
    const f = only(healthySummary({ targetResources }), 'memory-growth');
    expect(f.evidence).toEqual([
      'least-squares slope of 2 memory samples: 720.0 MB/hour (limit 10 MB/hour)',
      '50.0 MB at second 0, 52.0 MB at second 10',
      'query: mem',
    ]);
  });
});

describe('analyzeSummary', () => {
  it('fills findings and score and leaves every other field as it was', () => {
    const before = healthySummary();
    const after = analyzeSummary(before);
    expect(after.findings).toEqual([]);
    expect(after.score?.value).toBe(100);
    const { findings: _f, score: _s, ...rest } = after;
    expect(rest).toEqual(before);
    expect(analyzeSummary(after)).toEqual(after);
  });
});
