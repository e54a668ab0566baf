import { describe, expect, it } from 'vitest';
import {
  buildTargetResources,
  DEFAULT_CPU_QUERY,
  leastSquaresSlope,
  prometheusSource,
  withTargetResources,
} from '../../src/analysis/target-resources.js';
import { healthySummary, level } from '../helpers/summaries.js';

const MB = 1024 * 1024;
const source = { url: 'http://127.0.0.1:9090', cpuQuery: 'cpu', memoryQuery: 'mem' };
const START_MS = 1_700_000_000_000;
const at = (second: number) => START_MS / 1000 + second;

describe('the queries asked of Prometheus', () => {
  it('defaults to cAdvisor metrics for the LoadTest namespace and every pod', () => {
    const q = prometheusSource({ url: 'http://prom:9090/' }, 'shop');
    expect(q.url).toBe('http://prom:9090');
    expect(DEFAULT_CPU_QUERY).toContain('container_cpu_usage_seconds_total');
    expect(q.cpuQuery).toBe(
      'sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~".+",container!=""}[1m]))',
    );
    expect(q.memoryQuery).toBe(
      'sum(container_memory_working_set_bytes{namespace="shop",pod=~".+",container!=""})',
    );
  });

  it('fills $ns and $pod in explicit queries, escaping quotes so a selector cannot break out of its label', () => {
    const q = prometheusSource(
      {
        url: 'http://prom:9090',
        cpuQuery: 'rate(process_cpu_seconds_total{job="$pod"}[5s])',
        memoryQuery: 'process_resident_memory_bytes{job="$pod"}',
        selector: { pod: 'api"} or vector(1) or {x="' },
      },
      undefined,
    );
    expect(q.cpuQuery).toBe('rate(process_cpu_seconds_total{job="api\\"} or vector(1) or {x=\\""}[5s])');
  });
});

describe('memory growth', () => {
  it('is the least-squares slope through the samples, per hour', () => {
    expect(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBe(2);
    expect(leastSquaresSlope([{ x: 4, y: 1 }])).toBeNull();
    // 1 MB every 10 seconds is 360 MB/hour, above a 100 MB/hour limit.
    const t = buildTargetResources({
      source,
      leakThresholdMbPerHour: 100,
      startedAtMs: START_MS,
      cpu: [
        [at(0), 0.5],
        [at(10), 0.7],
      ],
      memoryBytes: [0, 10, 20, 30].map((s) => [at(s), (50 + s / 10) * MB] as [number, number]),
    });
    expect(t.memoryGrowthMbPerHour).toBe(360);
    expect(t.leakSuspected).toBe(true);
    expect(t.series[0]).toEqual({ second: 0, cpuCores: 0.5, memoryMb: 50 });
    expect(t.series[2]).toEqual({ second: 20, cpuCores: null, memoryMb: 52 });
  });

  it('is flat memory under the default 10 MB/hour limit, and no rate from two samples', () => {
    const flat = buildTargetResources({
      source,
      startedAtMs: START_MS,
      cpu: [],
      memoryBytes: [0, 1, 2, 3].map((s) => [at(s), 50 * MB] as [number, number]),
    });
    expect(flat).toMatchObject({
      memoryGrowthMbPerHour: 0,
      leakThresholdMbPerHour: 10,
      leakSuspected: false,
    });
    const two = buildTargetResources({
      source,
      startedAtMs: START_MS,
      cpu: [],
      memoryBytes: [
        [at(0), 10 * MB],
        [at(1), 90 * MB],
      ],
    });
    expect(two).toMatchObject({ memoryGrowthMbPerHour: null, leakSuspected: false });
  });
});

describe('per-level target usage', () => {
  it('fills each level with the mean of the samples inside its window and keeps the rest of the summary', () => {
    const summary = healthySummary({
      scalability: { rating: 'linear', levels: [level(0, 10, 100, 20), level(1, 20, 200, 22)] } as never,
    });
    const target = buildTargetResources({
      source,
      startedAtMs: START_MS,
      cpu: [
        [at(2), 0.2],
        [at(8), 0.4],
        [at(12), 1],
      ],
      memoryBytes: [
        [at(2), 100 * MB],
        [at(12), 120 * MB],
      ],
    });
    const out = withTargetResources(summary, target);
    expect(out.targetResources).toBe(target);
    expect(out.scalability?.levels.map((l) => [l.targetCpuCores, l.targetMemoryMb])).toEqual([
      [0.3, 100],
      [1, 120],
    ]);
    expect(out.scalability?.rating).toBe('linear');
    expect(out.steps).toBe(summary.steps);
  });
});
