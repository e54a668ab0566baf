import { describe, expect, it } from 'vitest';
import { judgeGates, withVerdict } from '../../src/analysis/verdict.js';
import { healthySummary, step } from '../helpers/summaries.js';

describe('gates', () => {
  const noThresholds = (failures: number, executor = 'constant-vus') => {
    const base = healthySummary({ thresholds: [] });
    return {
      ...base,
      totals: { ...base.totals, failures, errorRate: failures / base.totals.requests },
      steps: [step('get', { requests: 1000, failures })],
      scenarios: base.scenarios.map((sc) => ({ ...sc, executor })),
    };
  };

  it('without thresholds, 5% errors or more fail the default budget; less passes', () => {
    expect(withVerdict(noThresholds(49)).verdict).toBe('passed');
    const failed = withVerdict(noThresholds(50));
    expect(failed.verdict).toBe('failed');
    expect(failed.gates.find((g) => !g.passed)).toMatchObject({ rule: '< 5%', actual: '5.00%' });
  });

  it('breakpoint scenarios push into failure on purpose: left out of the default budget', () => {
    const gates = judgeGates(noThresholds(600, 'breakpoint'));
    expect(gates.map((g) => g.name)).toEqual(['requests sent', 'successful requests']);
  });

  it('a breakpoint run does not pass on a capacity reached while 5% or more of its requests failed', () => {
    const withCapacity = (errorRate: number) => ({
      ...noThresholds(600, 'breakpoint'),
      scalability: {
        levels: [
          { index: 0, phase: 'load', errorRate: 0 },
          { index: 1, phase: 'load', errorRate },
          { index: 2, phase: 'load', errorRate: 0.9 }, // past the capacity: breaking there is the point
        ],
        capacityAtSlo: { value: { level: 1 } },
      },
    });
    expect(withVerdict(withCapacity(0.04)).verdict).toBe('passed');
    const failed = withVerdict(withCapacity(0.5));
    expect(failed.verdict).toBe('failed');
    expect(failed.gates.find((g) => !g.passed)).toMatchObject({ actual: '50.00% at level 1' });
  });

  it('a suspected target memory leak is a failing gate', () => {
    const leaking = withVerdict({
      ...healthySummary(),
      targetResources: {
        source: { url: 'http://127.0.0.1:9090', cpuQuery: 'c', memoryQuery: 'm' },
        memoryGrowthMbPerHour: 9000,
        leakThresholdMbPerHour: 5000,
        leakSuspected: true,
        series: [],
      },
    });
    expect(leaking.verdict).toBe('failed');
    expect(leaking.gates.find((g) => g.name === 'target memory growth')?.passed).toBe(false);
  });
});
