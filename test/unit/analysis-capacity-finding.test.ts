import { describe, expect, it } from 'vitest';
import { capacityLimitFinding } from '../../src/analysis/findings-capacity.js';
import type { Scalability } from '../../src/analysis/model.js';
import { healthySummary, level } from '../helpers/summaries.js';

const none = { value: null, method: 'm' };

function scalability(more: Partial<Scalability>): Scalability {
  return {
    levels: [
      level(0, 25, 25, 105, { targetCpuCores: 0.1 }),
      level(1, 50, 50, 104, { targetCpuCores: 0.2 }),
      level(2, 75, 74, 480, { errorRate: 0.12, withinSlo: false, targetCpuCores: 0.21 }),
      level(3, 25, 25, 110, { phase: 'recovery' }),
    ],
    linearRange: none,
    degradationPoint: none,
    breakingPoint: { value: { level: 2, load: 75, condition: 'p(95)>400ms' }, method: 'm' },
    recovery: { value: { seconds: 2.1, recovered: true }, method: 'm' },
    capacityAtSlo: { value: { level: 1, load: 50, rps: 50 }, method: 'm' },
    rating: 'broke',
    ...more,
  };
}

describe('the capacity limit a breakpoint run found', () => {
  it('plans from the last level within the SLO, with the breaking level and the target CPU as evidence', () => {
    const f = capacityLimitFinding(healthySummary({ scalability: scalability({}) }));
    expect(f?.severity).toBe('warning');
    expect(f?.title).toBe('The target broke at 75 VUs after holding 50 requests/s within the SLO');
    expect(f?.evidence).toEqual([
      'last level within the SLO: level 1 (50 VUs): 50.0 requests/s, p95 104 ms, errors 0.00%; target CPU 0.20 cores, memory – MB',
      'breaking level: level 2 (75 VUs): 74.0 requests/s, p95 480 ms, errors 12.0%; target CPU 0.21 cores, memory – MB; p(95)>400ms held',
      'lightest level: level 0 (25 VUs): 25.0 requests/s, p95 105 ms, errors 0.00%; target CPU 0.10 cores, memory – MB',
      'after the load dropped, p95 was back within bounds in 2.1 s',
    ]);
    expect(f?.recommendation).toContain('Plan for at most about 50 requests/s');
    expect(f?.recommendation).toContain('CPU grew with the load');
  });

  it('is critical when the target did not recover, and asks for target metrics when there are none', () => {
    const levels = scalability({}).levels.map(({ targetCpuCores: _, ...l }) => l);
    const f = capacityLimitFinding(
      healthySummary({
        scalability: scalability({
          levels,
          recovery: { value: { seconds: 5, recovered: false }, method: 'm' },
        }),
      }),
    );
    expect(f?.severity).toBe('critical');
    expect(f?.evidence.at(-1)).toBe('after the load dropped, p95 had not recovered within 5 s');
    expect(f?.recommendation).toContain('spec.analysis.prometheus');
  });

  it('says nothing without a breaking point', () => {
    expect(capacityLimitFinding(healthySummary())).toBeUndefined();
    expect(
      capacityLimitFinding(healthySummary({ scalability: scalability({ breakingPoint: none }) })),
    ).toBeUndefined();
  });
});
