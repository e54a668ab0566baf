/**
 * Baseline comparison: the current run's headline figures against a previous run's, each judged against an
 * allowed regression. Pure: the CLI (`stampede compare`) and the controller (spec.baseline) both call it.
 */

import type { Comparison, ComparisonRow } from './model.js';
import type { Summary } from './summary-model.js';

/**
 * The metrics a comparison covers, in table order. Latencies and the error rate regress when they rise,
 * throughput when it falls. Names are shared by `--max-regression` and spec.baseline.maxRegression.
 */
export const COMPARED_METRICS = ['p50', 'p95', 'p99', 'errorRate', 'rps'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** Allowed regression per metric, as a fraction (0.1 = 10%). */
export type RegressionBounds = Partial<Record<ComparedMetric, number>>;

/**
 * Used when no bound is given at all. The error rate's bound is absolute (percentage points of requests):
 * a baseline with no errors makes any relative change infinite.
 */
export const DEFAULT_BOUNDS: RegressionBounds = { p95: 0.1, errorRate: 0.01, rps: 0.1 };

/**
 * For rows without a bound: a change smaller than this in the good direction is noise, not an improvement
 * (relative for most metrics; absolute, 0.1 percentage points, for the error rate).
 */
const IMPROVEMENT_NOISE = { relative: 0.05, absolute: 0.001 };
/** Float slack, so that exactly the allowed regression (10 ms -> 11 ms at 10%) passes. */
const EPSILON = 1e-9;

const BOUND_PATTERN = /^(\d+(?:\.\d+)?)%$/;

function metricValue(s: Summary, metric: ComparedMetric): number | null {
  switch (metric) {
    case 'p50':
      return s.latency.count ? s.latency.p50Ms : null;
    case 'p95':
      return s.latency.count ? s.latency.p95Ms : null;
    case 'p99':
      return s.latency.count ? s.latency.p99Ms : null;
    case 'errorRate':
      return s.totals.requests ? s.totals.errorRate : null;
    case 'rps':
      return s.totals.requests ? s.totals.rps : null;
  }
}

/** Rising is worse for every metric except throughput. */
const higherIsWorse = (metric: ComparedMetric) => metric !== 'rps';
/** The error rate is judged by its absolute rise; the rest by their relative change. */
const absoluteBound = (metric: ComparedMetric) => metric === 'errorRate';

export function compareRow(
  metric: ComparedMetric,
  baseline: number | null,
  current: number | null,
  bound: number | undefined,
): ComparisonRow {
  const bounded = bound !== undefined ? { maxRegression: bound } : {};
  if (baseline === null || current === null) {
    return { metric, baseline, current, change: null, ...bounded, verdict: 'missing' };
  }
  const change = baseline === 0 ? null : (current - baseline) / baseline;
  const absolute = absoluteBound(metric);
  // How much worse, in the unit the bound is in (positive = worse); null when it cannot be said.
  const worseBy = absolute
    ? current - baseline
    : change === null
      ? null
      : higherIsWorse(metric)
        ? change
        : -change;
  const noise = absolute ? IMPROVEMENT_NOISE.absolute : IMPROVEMENT_NOISE.relative;
  let verdict: ComparisonRow['verdict'] = 'ok';
  if (worseBy !== null && bound !== undefined && worseBy > bound + EPSILON) verdict = 'regressed';
  else if (worseBy !== null && worseBy < -(bound ?? noise)) verdict = 'improved';
  return { metric, baseline, current, change, ...bounded, verdict };
}

/**
 * Every compared metric gets a row; only the bounded ones can fail the comparison. A bounded metric with no
 * data on one side fails too: "no data" must not pass a gate silently.
 */
export function compareSummaries(
  baseline: Summary,
  current: Summary,
  bounds: RegressionBounds,
  baselineName: string,
): Comparison {
  const rows = COMPARED_METRICS.map((m) =>
    compareRow(m, metricValue(baseline, m), metricValue(current, m), bounds[m]),
  );
  const failed = rows.some(
    (r) => r.verdict === 'regressed' || (r.verdict === 'missing' && r.maxRegression !== undefined),
  );
  return { baselineName, rows, verdict: failed ? 'failed' : 'passed' };
}

/** A comparison that could not be made (the baseline is missing or unreadable): it fails, saying why. */
export function failedComparison(baselineName: string, error: string): Comparison {
  return { baselineName, rows: [], verdict: 'failed', error };
}

/** The summary with its comparison attached; a failed comparison fails the run's verdict. */
export function withComparison(summary: Summary, comparison: Comparison): Summary {
  return {
    ...summary,
    baseline: comparison,
    verdict: comparison.verdict === 'failed' ? 'failed' : summary.verdict,
  };
}

export type BoundsResult = { ok: true; bounds: RegressionBounds } | { ok: false; problems: string[] };

/**
 * Parses bounds such as { p95: '10%' }; `where` names the field in messages (a CLI option or a spec path).
 * Every problem is reported at once.
 */
export function parseBounds(entries: [string, string][], where: (metric: string) => string): BoundsResult {
  const bounds: RegressionBounds = {};
  const problems: string[] = [];
  for (const [metric, text] of entries) {
    if (!(COMPARED_METRICS as readonly string[]).includes(metric)) {
      problems.push(`${where(metric)}: unknown metric "${metric}"; allowed: ${COMPARED_METRICS.join(', ')}`);
      continue;
    }
    const m = BOUND_PATTERN.exec(text.trim());
    if (!m) {
      problems.push(`${where(metric)}: "${text}" is not a percentage such as 10% or 0.5%`);
      continue;
    }
    bounds[metric as ComparedMetric] = Number(m[1]) / 100;
  }
  return problems.length ? { ok: false, problems } : { ok: true, bounds };
}
