/** Custom metrics (`metric:` on a step) in the summary, report.md (and so report.html) and the console. */
import type { CustomMetricSummary, Summary } from '../analysis/summary-model.js';
import { trendAt } from '../metrics/custom-metrics.js';
import { sumCustomMetric } from '../metrics/custom-thresholds.js';
import type { MergedStep } from '../metrics/merge.js';
import { fmtCount, fmtPercent, fmtRate, markdownTable, NO_DATA } from './format.js';

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** One row per custom metric name, summed over every step that records it; undefined when there are none. */
export function customMetricSummaries(
  steps: readonly MergedStep[],
  seconds: number,
): CustomMetricSummary[] | undefined {
  const names = [...new Set(steps.flatMap((s) => (s.custom ?? []).map((c) => c.name)))].sort();
  if (!names.length) return undefined;
  return names.map((name) => {
    const recording = steps.filter((s) => s.custom?.some((c) => c.name === name));
    const m = sumCustomMetric(recording, name) as NonNullable<ReturnType<typeof sumCustomMetric>>;
    const base = {
      name,
      type: m.type,
      steps: recording.map((s) => `${s.scenario}/${s.step}`),
      samples: m.samples,
      invalid: m.invalid,
    };
    if (m.type === 'counter') return { ...base, count: round(m.sum), perSecond: round(m.sum / seconds, 2) };
    if (m.type === 'rate') return { ...base, rate: m.samples ? round(m.nonZero / m.samples, 6) : null };
    const h = m.values;
    const at = (p: number) => (h ? round(trendAt(h, p)) : 0);
    return {
      ...base,
      trend:
        h && m.samples
          ? {
              mean: round(m.sum / m.samples),
              min: at(0),
              p50: at(50),
              p90: at(90),
              p95: at(95),
              p99: at(99),
              max: at(100),
            }
          : null,
    };
  });
}

const num = (n: number) => (Number.isInteger(n) ? fmtCount(n) : String(n));

/** The value cells: count and rate, or the trend's distribution. */
function valueCells(m: CustomMetricSummary): string[] {
  if (m.type === 'counter') return [`${num(m.count ?? 0)} (${fmtRate(m.perSecond ?? 0)}/s)`, '', '', '', ''];
  if (m.type === 'rate')
    return [m.rate === null || m.rate === undefined ? NO_DATA : fmtPercent(m.rate), '', '', '', ''];
  const t = m.trend;
  if (!t) return [NO_DATA, '', '', '', ''];
  return [`mean ${num(t.mean)}`, num(t.p50), num(t.p95), num(t.p99), num(t.max)];
}

const HEADER = ['Metric', 'Type', 'Samples', 'Value', 'p50', 'p95', 'p99', 'Max'];

function rows(s: Summary): string[][] {
  return (s.customMetrics ?? []).map((m) => [
    m.name,
    m.type,
    fmtCount(m.samples) + (m.invalid ? ` (+${fmtCount(m.invalid)} invalid)` : ''),
    ...valueCells(m),
  ]);
}

export function customMetricsSection(s: Summary): string[] {
  if (!s.customMetrics?.length) return [];
  return [
    '## Custom metrics',
    '',
    'Values each step rendered from its `metric:` template, over every step that records them. Trend: the values themselves (3 significant digits); counter: their sum; rate: the share that were true or not zero. Invalid: values that were not a number.',
    '',
    markdownTable(HEADER, rows(s)),
    '',
  ];
}

export function consoleCustomLines(s: Summary): string[] {
  if (!s.customMetrics?.length) return [];
  return [
    'custom metrics:',
    ...rows(s).map(
      (r) => `  ${r[0]} (${r[1]}): ${r.slice(3).filter(Boolean).join(' ')} from ${r[2]} samples`,
    ),
  ];
}
