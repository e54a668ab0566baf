import { describe, expect, it } from 'vitest';
import { SCORE_FORMULA, scoreRun } from '../../src/analysis/score.js';
import { healthySummary, latency } from '../helpers/summaries.js';

const partsByName = (s: ReturnType<typeof scoreRun>) => Object.fromEntries(s.parts.map((p) => [p.name, p]));

describe('the load test score', () => {
  it('gives a clean run every point it could earn, and states its formula', () => {
    const score = scoreRun(healthySummary());
    expect(score.value).toBe(100);
    expect(score.formula).toBe(SCORE_FORMULA);
    const parts = partsByName(score);
    // No load levels and no target memory: those parts neither reward nor punish.
    expect(parts.scalability).toEqual({
      name: 'scalability',
      points: 0,
      max: 0,
      why: 'no load levels were measured',
    });
    expect(parts['target memory']?.max).toBe(0);
    expect(score.parts.reduce((n, p) => n + p.max, 0)).toBe(75);
  });

  it('takes error, threshold, tail, completion and generator points by the stated formula', () => {
    const base = healthySummary();
    const score = scoreRun({
      ...base,
      outcome: 'interrupted',
      totals: { ...base.totals, failures: 20, errorRate: 0.02 },
      latency: latency(10, 60, 115),
      thresholds: [
        ...base.thresholds,
        {
          metric: 'http_req_failed',
          threshold: 'rate<0.01',
          actual: 0.02,
          unit: 'ratio',
          passed: false,
          abortOnFail: false,
        },
      ],
      generator: { ...base.generator, saturated: true },
      scalability: { rating: 'sublinear', levels: [] } as never,
    });
    const parts = partsByName(score);
    expect(parts.errors?.points).toBe(15); // 25 × (1 − 2% / 5%)
    expect(parts.thresholds?.points).toBe(10); // 20 × 1/2
    expect(parts['latency tail']?.points).toBe(5); // 10 × (20 − 115/10) / 17
    expect(parts.completion?.points).toBe(5);
    expect(parts.generator?.points).toBe(0);
    expect(parts.scalability?.points).toBe(14); // 20 × 0.7
    // 100 × (15 + 10 + 14 + 5 + 5 + 0) / 95 = 51.6
    expect(score.value).toBe(52);
  });

  it('scores a suspected leak as zero of the memory part', () => {
    const targetResources = {
      source: { url: 'http://127.0.0.1:9090', cpuQuery: 'c', memoryQuery: 'm' },
      memoryGrowthMbPerHour: 50,
      leakThresholdMbPerHour: 10,
      leakSuspected: true,
      series: [],
    };
    const parts = partsByName(scoreRun(healthySummary({ targetResources })));
    expect(parts['target memory']).toEqual({
      name: 'target memory',
      points: 0,
      max: 5,
      why: 'memory grew 50.0 MB/hour (limit 10)',
    });
  });

  it('gives a run that sent nothing no error points to earn and no completion points', () => {
    const base = healthySummary();
    const score = scoreRun({
      ...base,
      outcome: 'failed',
      totals: { ...base.totals, requests: 0, rps: 0 },
      latency: latency(0, 0, 0, 0),
      thresholds: [],
    });
    const parts = partsByName(score);
    expect(parts.errors?.max).toBe(0);
    expect(parts.completion?.points).toBe(0);
    expect(score.value).toBe(50); // generator 10 of completion 10 + generator 10
  });
});
