import { describe, expect, it } from 'vitest';
import type { LevelSummary } from '../../src/analysis/model.js';
import { analyzeScalability } from '../../src/analysis/scalability.js';

function level(
  index: number,
  load: number,
  rps: number,
  p95Ms: number,
  extra: Partial<LevelSummary> = {},
): LevelSummary {
  return {
    index,
    scenario: 's',
    unit: 'rate',
    load,
    phase: 'load',
    fromSecond: index * 3 + 1,
    toSecond: index * 3 + 3,
    requests: rps * 2,
    rps,
    errorRate: 0,
    p50Ms: p95Ms / 2,
    p95Ms,
    p99Ms: p95Ms * 1.2,
    generatorCpuPercent: 10,
    stopConditionsMet: [],
    withinSlo: true,
    ...extra,
  };
}

const CONDITIONS = ['p(95)>200ms', 'errors rate>5%'];

describe('scalability from load levels', () => {
  it('a run that broke: linear range, degradation, breaking point, recovery and capacity at the SLO', () => {
    const levels = [
      level(0, 50, 50, 40),
      level(1, 100, 99, 42),
      level(2, 150, 147, 60),
      level(3, 200, 170, 95, { withinSlo: false }), // throughput falls behind; the SLO is missed
      level(4, 250, 175, 400, { stopConditionsMet: ['p(95)>200ms'], withinSlo: false }),
      level(5, 50, 50, 45, { phase: 'recovery', fromSecond: 14.2, toSecond: 19.2 }),
    ];
    const s = analyzeScalability({
      levels,
      stopConditions: CONDITIONS,
      stop: { stoppedAtMs: 14_200, level: 4, condition: 'p(95)>200ms' },
      recoveryFromSecond: 14.2,
      recoverySeries: [
        { second: 15, requests: 50, failures: 0, p95Ms: 300, stopConditionHeld: false },
        { second: 16, requests: 50, failures: 0, p95Ms: 90, stopConditionHeld: false },
        { second: 17, requests: 50, failures: 0, p95Ms: 41, stopConditionHeld: false },
      ],
    });
    expect(s.linearRange.value).toEqual({ fromLoad: 50, toLoad: 150 });
    expect(s.degradationPoint.value).toEqual({ level: 3, load: 200, p95Ms: 95, factor: 2.38 });
    expect(s.breakingPoint.value).toEqual({ level: 4, load: 250, condition: 'p(95)>200ms' });
    expect(s.breakingPoint.method).toMatch(/p\(95\)>200ms or errors rate>5%.*stopped live at 14.2 s/);
    // Within 2 x 40 ms first in second 17 (second 16's 90 ms is not): 17 - 14.2 s.
    expect(s.recovery.value).toEqual({ seconds: 2.8, recovered: true });
    expect(s.recovery.method).toMatch(/within 2x the first level's \(80 ms\)/);
    expect(s.capacityAtSlo.value).toEqual({ level: 2, load: 150, rps: 147 });
    expect(s.rating).toBe('broke');
    for (const d of [s.linearRange, s.degradationPoint, s.breakingPoint, s.recovery, s.capacityAtSlo])
      expect(d.method.length).toBeGreaterThan(20);
  });

  it('a run that scaled to its last level without breaking is linear; no recovery phase is said so', () => {
    const s = analyzeScalability({
      levels: [level(0, 10, 10, 20), level(1, 20, 20, 21), level(2, 30, 29.5, 22)],
      stopConditions: CONDITIONS,
    });
    expect(s.rating).toBe('linear');
    expect(s.breakingPoint.value).toBeNull();
    expect(s.breakingPoint.method).toMatch(/no stop condition .* held up to the last level \(load 30\)/);
    expect(s.recovery).toEqual({ value: null, method: expect.stringMatching(/no recovery phase/) });
    expect(s.capacityAtSlo.value?.load).toBe(30);
  });

  it('not recovered within the window: the window length, recovered false', () => {
    const s = analyzeScalability({
      levels: [level(0, 10, 10, 20), level(1, 20, 20, 100)],
      stopConditions: [],
      recoveryFromSecond: 6,
      recoverySeries: [
        { second: 7, requests: 10, failures: 0, p95Ms: 90, stopConditionHeld: false },
        { second: 8, requests: 10, failures: 0, p95Ms: 80, stopConditionHeld: false },
      ],
    });
    expect(s.recovery.value).toEqual({ seconds: 2, recovered: false });
    expect(s.rating).toBe('saturating');
    expect(s.breakingPoint.method).toMatch(/no stop conditions \(stopWhen\) configured/);
  });

  it('fewer than two levels with data is insufficient', () => {
    const s = analyzeScalability({ levels: [level(0, 10, 10, 20)], stopConditions: CONDITIONS });
    expect(s.rating).toBe('insufficient-data');
    expect(s.linearRange).toEqual({ value: null, method: expect.stringMatching(/at least 2 load levels/) });
  });
});
