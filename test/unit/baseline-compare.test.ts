import { describe, expect, it } from 'vitest';
import {
  COMPARED_METRICS,
  compareRow,
  compareSummaries,
  failedComparison,
  parseBounds,
  withComparison,
} from '../../src/analysis/compare.js';
import { asSummary } from '../../src/analysis/summary-check.js';
import { LoadTestSpec } from '../../src/api/schema.js';
import { parseManifest } from '../../src/manifest/validate.js';
import { renderBaselineMarkdown, renderComparisonText } from '../../src/report/compare-table.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

describe('baseline comparison: one metric', () => {
  it('latency regresses when it rises beyond the bound; exactly the bound passes', () => {
    expect(compareRow('p95', 10, 11, 0.1)).toEqual({
      metric: 'p95',
      baseline: 10,
      current: 11,
      change: expect.closeTo(0.1, 9),
      maxRegression: 0.1,
      verdict: 'ok',
    });
    expect(compareRow('p95', 10, 11.2, 0.1).verdict).toBe('regressed');
    expect(compareRow('p95', 10, 8.5, 0.1).verdict).toBe('improved');
    expect(compareRow('p95', 10, 9.5, 0.1).verdict).toBe('ok');
  });

  it('throughput regresses when it falls, and improves when it rises', () => {
    expect(compareRow('rps', 1000, 880, 0.1).verdict).toBe('regressed');
    expect(compareRow('rps', 1000, 950, 0.1).verdict).toBe('ok');
    expect(compareRow('rps', 1000, 1200, 0.1).verdict).toBe('improved');
  });

  it('the error rate is bounded in absolute percentage points, so a baseline of zero errors still works', () => {
    const row = compareRow('errorRate', 0, 0.02, 0.01);
    expect(row).toMatchObject({ change: null, verdict: 'regressed' });
    expect(compareRow('errorRate', 0, 0.005, 0.01).verdict).toBe('ok');
    expect(compareRow('errorRate', 0.05, 0.01, 0.01).verdict).toBe('improved');
  });

  it('a row without a bound never regresses; a small gain is noise, not an improvement', () => {
    expect(compareRow('p99', 10, 30, undefined)).toEqual({
      metric: 'p99',
      baseline: 10,
      current: 30,
      change: 2,
      verdict: 'ok',
    });
    expect(compareRow('p99', 10, 9.7, undefined).verdict).toBe('ok');
    expect(compareRow('p99', 10, 9, undefined).verdict).toBe('improved');
  });

  it('no data on a side is "missing"', () => {
    expect(compareRow('p50', null, 5, 0.1)).toMatchObject({ verdict: 'missing', change: null });
  });
});

describe('baseline comparison: two summaries', () => {
  const fast = summaryFixture({ latencyUs: 10_000, requests: 300 });
  const slow = summaryFixture({ latencyUs: 30_000, requests: 300 });

  it('a slower run fails the comparison on its bounded metrics only, with a row per metric', () => {
    const c = compareSummaries(fast, slow, { p95: 0.1 }, 'base');
    expect(c.verdict).toBe('failed');
    expect(c.rows.map((r) => [r.metric, r.verdict])).toEqual([
      ['p50', 'ok'],
      ['p95', 'regressed'],
      ['p99', 'ok'],
      ['errorRate', 'ok'],
      ['rps', 'ok'],
    ]);
    expect(compareSummaries(slow, fast, { p95: 0.1 }, 'base').verdict).toBe('passed');
  });

  it('a bounded metric with no data on one side fails: no data must not pass a gate', () => {
    const empty = summaryFixture({ requests: 0 });
    const c = compareSummaries(fast, empty, { rps: 0.1 }, 'base');
    expect(c.rows.find((r) => r.metric === 'rps')?.verdict).toBe('missing');
    expect(c.verdict).toBe('failed');
    expect(renderComparisonText(c)).toMatch(/FAILED against base \(no data for: requests\/s\)/);
  });

  it('a failed comparison fails the run verdict; a passed one leaves it alone', () => {
    const passed = withComparison(fast, compareSummaries(slow, fast, { p95: 0.1 }, 'b'));
    expect(passed.verdict).toBe('passed');
    const regressed = withComparison(slow, compareSummaries(fast, slow, { p95: 0.1 }, 'b'));
    expect(regressed.verdict).toBe('failed');
    expect(regressed.baseline?.verdict).toBe('failed');
    expect(withComparison(slow, failedComparison('b', 'gone')).verdict).toBe('failed');
  });

  it('renders a regression table as text and as a report.md section', () => {
    const c = compareSummaries(fast, slow, { p95: 0.1, errorRate: 0.01 }, 'checkout-report');
    const text = renderComparisonText(c);
    expect(text).toMatch(/Metric\s+Baseline\s+Current\s+Change\s+Allowed\s+Verdict/);
    expect(text).toMatch(/latency p95\s+10\.0ms\s+30\.0ms\s+\+(199\.9|200\.0)%\s+\+10%\s+REGRESSED/);
    expect(text).toMatch(/error rate\s+0%\s+0%\s+±0\.00 pp\s+\+1 pp\s+ok/);
    expect(text).toMatch(/Baseline comparison FAILED against checkout-report \(regressed: latency p95\)\./);
    const md = renderMarkdown(withComparison(slow, c));
    expect(md).toContain('## Baseline comparison');
    expect(md).toMatch(/\| latency p95 \| 10\.0ms \| 30\.0ms \| \+(199\.9|200\.0)% \| \+10% \| REGRESSED \|/);
    expect(renderBaselineMarkdown(slow)).toEqual([]);
  });

  it('says why when there was nothing to compare against', () => {
    expect(renderComparisonText(failedComparison('x-report', 'ConfigMap default/x-report not found'))).toBe(
      'Baseline comparison FAILED: ConfigMap default/x-report not found',
    );
  });
});

describe('regression bounds and summary input', () => {
  it('parses percentages and reports every bad entry with its field', () => {
    expect(
      parseBounds(
        [
          ['p95', '10%'],
          ['errorRate', '0.5%'],
        ],
        (m) => m,
      ),
    ).toEqual({
      ok: true,
      bounds: { p95: 0.1, errorRate: 0.005 },
    });
    const bad = parseBounds(
      [
        ['p96', '10%'],
        ['rps', '10'],
      ],
      (m) => `spec.baseline.maxRegression.${m}`,
    );
    expect(bad).toEqual({
      ok: false,
      problems: [
        'spec.baseline.maxRegression.p96: unknown metric "p96"; allowed: p50, p95, p99, errorRate, rps',
        'spec.baseline.maxRegression.rps: "10" is not a percentage such as 10% or 0.5%',
      ],
    });
  });

  it('accepts only Stampede summaries of a known schema version', () => {
    expect(typeof asSummary(summaryFixture())).toBe('object');
    expect(asSummary({ kind: 'Other' })).toMatch(/not a Stampede summary/);
    expect(asSummary({ kind: 'StampedeSummary', schemaVersion: 9 })).toMatch(/schemaVersion 9/);
    expect(asSummary(null)).toMatch(/not a Stampede summary/);
  });
});

describe('spec.baseline in a manifest', () => {
  it('names the same metrics as stampede compare', () => {
    const maxRegression = LoadTestSpec.properties.baseline.properties.maxRegression;
    expect(Object.keys(maxRegression.properties)).toEqual([...COMPARED_METRICS]);
  });

  it('rejects an unknown metric and a bound that is not a percentage, with field paths', () => {
    const result = parseManifest(
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: b }
spec:
  target: { baseURL: "http://127.0.0.1:1" }
  baseline: { configMap: prev-report, maxRegression: { p96: 10%, rps: "10" } }
  scenarios:
    s: { executor: constant-vus, vus: 1, duration: 1s, flow: [{ request: { url: / } }] }
`,
      { baseDir: '.', envOverrides: {} },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'spec.baseline.maxRegression.p96',
      'spec.baseline.maxRegression.rps',
    ]);
    expect(result.problems[1]?.message).toMatch(/is not a percentage such as 10% or 0.5%/);
  });
});
