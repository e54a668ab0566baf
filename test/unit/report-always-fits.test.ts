/**
 * The report ConfigMap always fits 1 MiB: 2,000 breakpoint levels, a long series, thousands of steps and
 * long error messages are trimmed by rules that keep what matters, and the report says what was cut.
 */
import { describe, expect, it } from 'vitest';
import type { LevelSummary } from '../../src/analysis/model.js';
import { asSummary } from '../../src/analysis/summary-check.js';
import { CONFIGMAP_BUDGET_BYTES, fitReportFiles } from '../../src/report/fit.js';
import type { Summary } from '../../src/report/summary.js';
import { keepExtremes, trimLevels } from '../../src/report/trim.js';
import { levelsFixture, summaryFixture } from '../helpers/summary-fixture.js';

const bytes = (files: Record<string, string>) =>
  Object.entries(files).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/** A breakpoint run of `count` levels, 2 s each, degrading at level 1200 and breaking at 1800. */
function breakpointSummary(count: number): Summary {
  const base = summaryFixture({ seconds: count * 2 });
  const scalability = levelsFixture();
  const levels: LevelSummary[] = Array.from({ length: count }, (_, index) => ({
    ...(scalability.levels[0] as LevelSummary),
    index,
    load: 10 + index * 5,
    phase: index === count - 1 ? 'recovery' : 'load',
    fromSecond: index * 2,
    toSecond: index * 2 + 2,
    p95Ms: 10 + index / 50,
    stopConditionsMet: index === 1800 ? ['p(95) > 40 ms for 2 s'] : [],
  }));
  return {
    ...base,
    scalability: {
      ...scalability,
      levels,
      degradationPoint: { value: { level: 1200, load: 6010, p95Ms: 34, factor: 2.1 }, method: 'fixture' },
      breakingPoint: { value: { level: 1800, load: 9010, condition: 'p95' }, method: 'fixture' },
      capacityAtSlo: { value: { level: 1500, load: 7510, rps: 9000 }, method: 'fixture' },
    },
  };
}

describe('the report always fits its ConfigMap', () => {
  it('2,000 breakpoint levels: under 1 MiB, the named levels kept, and the report says what was cut', () => {
    const summary = breakpointSummary(2000);
    const fitted = fitReportFiles(summary);
    expect(bytes(fitted.files) + bytes(fitted.binaryFiles)).toBeLessThanOrEqual(CONFIGMAP_BUDGET_BYTES);
    const stored = JSON.parse(fitted.files['summary.json'] as string) as Summary;
    const kept = stored.scalability?.levels.map((l) => l.index) ?? [];
    expect(kept.length).toBeLessThan(2000);
    expect(kept).toEqual(expect.arrayContaining([0, 1200, 1500, 1800, 1999]));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(stored.trimmed?.join('\n')).toMatch(/load levels .*: kept \d+ of 2000/);
    expect(fitted.files['TRIMMED.txt']).toMatch(/load levels/);
    // Still a summary `stampede compare` and spec.baseline accept.
    expect(typeof asSummary(stored)).toBe('object');
  });

  it('a one-second latency spike and an outage second survive the series trimming', () => {
    const rows = summaryFixture({ seconds: 20_000 }).timeseries;
    rows[12_345] = { ...(rows[12_345] as (typeof rows)[number]), p95Ms: 5000 };
    rows[17_001] = { ...(rows[17_001] as (typeof rows)[number]), p95Ms: null, requests: 0, rps: 0 };
    const kept = keepExtremes(rows, 400, (r) => r.p95Ms);
    expect(kept.length).toBeLessThanOrEqual(400);
    expect(kept.map((r) => r.second)).toEqual(expect.arrayContaining([12_345, 17_001]));
    // Rows are picked, never invented, and stay in time order.
    for (const r of kept) expect(rows[r.second]).toBe(r);
    expect(kept.map((r) => r.second)).toEqual([...kept.map((r) => r.second)].sort((a, b) => a - b));
  });

  it('thousands of steps and long error messages fit too', () => {
    const base = summaryFixture({ seconds: 3600 });
    const step = base.steps[0] as Summary['steps'][number];
    const summary: Summary = {
      ...base,
      steps: Array.from({ length: 5000 }, (_, i) => ({
        ...step,
        step: `step-${i}-${'x'.repeat(60)}`,
        requests: i,
      })),
      errors: {
        ...base.errors,
        samples: Array.from({ length: 500 }, (_, i) => ({
          class: 'other' as const,
          scenario: 's',
          step: `step-${i}`,
          message: 'e'.repeat(20_000),
          count: 500 - i,
        })),
      },
    };
    const fitted = fitReportFiles(summary);
    expect(bytes(fitted.files) + bytes(fitted.binaryFiles)).toBeLessThanOrEqual(CONFIGMAP_BUDGET_BYTES);
    const stored = JSON.parse(fitted.files['summary.json'] as string) as Summary;
    expect(stored.steps[0]?.requests).toBe(4999);
    expect(stored.trimmed?.join('\n')).toMatch(/steps \(busiest first\): kept \d+ of 5000/);
  });

  it('whatever the summary holds, the final check keeps the ConfigMap under budget', () => {
    const base = summaryFixture();
    const huge: Summary = {
      ...base,
      thresholds: Array.from({ length: 2000 }, (_, i) => ({
        ...(base.thresholds[0] as Summary['thresholds'][number]),
        metric: `m-${i}-${'y'.repeat(1000)}`,
      })),
    };
    const fitted = fitReportFiles(huge);
    expect(bytes(fitted.files) + bytes(fitted.binaryFiles)).toBeLessThanOrEqual(CONFIGMAP_BUDGET_BYTES);
    const stored = JSON.parse(fitted.files['summary.json'] as string) as Summary;
    expect(stored.verdict).toBe(base.verdict);
    expect(stored.totals).toEqual(base.totals);
    expect(fitted.files['TRIMMED.txt']).toBeDefined();
  });

  it('trimLevels keeps at most `keep`, always the first and last', () => {
    const s = breakpointSummary(300).scalability;
    if (!s) throw new Error('no levels');
    const kept = trimLevels(s.levels, s, 10).map((l) => l.index);
    expect(kept).toHaveLength(10);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(299);
  });
});
