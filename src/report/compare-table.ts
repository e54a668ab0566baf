/** The regression table of a baseline comparison: as text for the console, as markdown for report.md. */
import type { Comparison, ComparisonRow } from '../analysis/model.js';
import { fmtMs, fmtPercent, fmtRate, markdownTable, textTable } from './format.js';
import type { Summary } from './summary.js';

const LABELS: Record<string, string> = {
  p50: 'latency p50',
  p95: 'latency p95',
  p99: 'latency p99',
  errorRate: 'error rate',
  rps: 'requests/s',
};

function fmtValue(metric: string, v: number | null): string {
  if (v === null) return 'no data';
  if (metric === 'errorRate') return fmtPercent(v);
  if (metric === 'rps') return fmtRate(v);
  return fmtMs(v);
}

const signed = (n: number, text: string) => `${n > 0 ? '+' : n < 0 ? '-' : '±'}${text}`;

/** Relative change, except for the error rate: its change is in percentage points, like its bound. */
function fmtChange(r: ComparisonRow): string {
  if (r.metric === 'errorRate' && r.baseline !== null && r.current !== null) {
    const pp = (r.current - r.baseline) * 100;
    return signed(pp, `${Math.abs(pp).toFixed(2)} pp`);
  }
  if (r.change === null) return 'n/a';
  return signed(r.change, `${(Math.abs(r.change) * 100).toFixed(1)}%`);
}

function fmtBound(r: ComparisonRow): string {
  if (r.maxRegression === undefined) return '-';
  const pct = `${+(r.maxRegression * 100).toFixed(4)}`;
  if (r.metric === 'errorRate') return `+${pct} pp`;
  return r.metric === 'rps' ? `-${pct}%` : `+${pct}%`;
}

const VERDICT_TEXT: Record<ComparisonRow['verdict'], string> = {
  ok: 'ok',
  improved: 'improved',
  regressed: 'REGRESSED',
  missing: 'no data',
};

export const COMPARISON_HEADER = ['Metric', 'Baseline', 'Current', 'Change', 'Allowed', 'Verdict'];

/** One row's cells, formatted (text, not markup). */
export function comparisonCells(r: ComparisonRow): string[] {
  return [
    LABELS[r.metric] ?? r.metric,
    fmtValue(r.metric, r.baseline),
    fmtValue(r.metric, r.current),
    fmtChange(r),
    fmtBound(r),
    VERDICT_TEXT[r.verdict],
  ];
}

/** One line saying what the comparison decided, and why when it failed. */
export function comparisonVerdictLine(c: Comparison): string {
  if (c.error) return `Baseline comparison FAILED: ${c.error}`;
  const regressed = c.rows.filter((r) => r.verdict === 'regressed').map((r) => LABELS[r.metric] ?? r.metric);
  const missing = c.rows
    .filter((r) => r.verdict === 'missing' && r.maxRegression !== undefined)
    .map((r) => LABELS[r.metric] ?? r.metric);
  if (c.verdict === 'passed') return `Baseline comparison passed against ${c.baselineName}.`;
  const why = [
    regressed.length ? `regressed: ${regressed.join(', ')}` : '',
    missing.length ? `no data for: ${missing.join(', ')}` : '',
  ].filter(Boolean);
  return `Baseline comparison FAILED against ${c.baselineName} (${why.join('; ')}).`;
}

export function renderComparisonText(c: Comparison): string {
  const table = c.rows.length ? `${textTable(COMPARISON_HEADER, c.rows.map(comparisonCells))}\n\n` : '';
  return `${table}${comparisonVerdictLine(c)}`;
}

/** The report.md section; empty when the run was not compared with a baseline. */
export function renderBaselineMarkdown(s: Summary): string[] {
  const c = s.baseline;
  if (!c) return [];
  const out = ['## Baseline comparison', ''];
  if (c.rows.length) out.push(markdownTable(COMPARISON_HEADER, c.rows.map(comparisonCells)), '');
  out.push(
    c.verdict === 'failed' ? `**${comparisonVerdictLine(c)}**` : comparisonVerdictLine(c),
    '',
    'Latency and the error rate regress when they rise, requests/s when it falls. The error rate is bounded in percentage points (pp) of requests, the rest relative to the baseline.',
    '',
  );
  return out;
}
