/**
 * report.html: one self-contained page (inline styles and SVG charts, no script, nothing fetched; its
 * Content-Security-Policy forbids any request). Charts: latency percentiles, throughput and errors, and VUs
 * over time, and latency against load level when the run has levels.
 */

import { COMPARISON_HEADER, comparisonCells, comparisonVerdictLine } from './compare-table.js';
import { fmtBytes, fmtCount, fmtPercent, fmtRate, fmtStat, fmtThresholdValue } from './format.js';
import { analysisHtml } from './html-analysis.js';
import {
  type ChartPoint,
  type ChartSeries,
  downsamplePoints,
  escapeHtml as esc,
  fmtSeconds,
  MAX_POINTS_PER_SERIES,
  renderLineChart,
} from './html-charts.js';
import { markdownSectionsHtml } from './html-from-markdown.js';
import { HTML_STYLE } from './html-style.js';
import type { Summary } from './summary.js';

/** Colours that stay apart for colour-blind readers (Tableau 10). */
const COLOR = {
  p50: '#4c78a8',
  p95: '#f58518',
  p99: '#e45756',
  rps: '#4c78a8',
  errors: '#e45756',
  vus: '#54a24b',
};

const msAxis = (v: number) => (v >= 1000 ? `${+(v / 1000).toFixed(2)} s` : `${+v.toFixed(2)} ms`);
function countAxis(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function series(
  s: Summary,
  name: string,
  color: string,
  pick: (row: Summary['timeseries'][number]) => number | null,
  reduce: 'max' | 'mean',
): ChartSeries {
  // A second with no latency sample stays null: the line breaks there rather than dropping to 0 ms.
  const points = s.timeseries.map((r): ChartPoint => [r.second, pick(r)]);
  return { name, color, points: downsamplePoints(points, MAX_POINTS_PER_SERIES, reduce) };
}

function timeCharts(s: Summary): string[] {
  const bucketed = s.timeseries.length > MAX_POINTS_PER_SERIES;
  const note = bucketed
    ? `<p class="note">${fmtCount(s.timeseries.length)} seconds drawn as ${MAX_POINTS_PER_SERIES} points: latencies show the worst second of each bucket, rates the mean.</p>`
    : '';
  return [
    renderLineChart({
      id: 'latency',
      title: 'Latency percentiles per second',
      xLabel: 'time since start',
      yLabel: 'latency',
      formatX: fmtSeconds,
      xIsSeconds: true,
      formatY: msAxis,
      series: [
        series(s, 'p50', COLOR.p50, (r) => r.p50Ms, 'max'),
        series(s, 'p95', COLOR.p95, (r) => r.p95Ms, 'max'),
        series(s, 'p99', COLOR.p99, (r) => r.p99Ms, 'max'),
      ],
    }),
    renderLineChart({
      id: 'throughput',
      title: 'Requests per second',
      xLabel: 'time since start',
      yLabel: 'requests/s',
      formatX: fmtSeconds,
      xIsSeconds: true,
      formatY: countAxis,
      series: [series(s, 'requests/s', COLOR.rps, (r) => r.rps, 'mean')],
    }),
    // Errors get their own scale: next to thousands of requests a few errors per second draw as a flat line.
    renderLineChart({
      id: 'errors',
      title: 'Failed requests per second',
      xLabel: 'time since start',
      yLabel: 'errors/s',
      formatX: fmtSeconds,
      xIsSeconds: true,
      formatY: countAxis,
      series: [series(s, 'errors/s', COLOR.errors, (r) => r.failures, 'mean')],
    }),
    renderLineChart({
      id: 'vus',
      title: 'Active virtual users',
      xLabel: 'time since start',
      yLabel: 'VUs',
      formatX: fmtSeconds,
      xIsSeconds: true,
      formatY: countAxis,
      series: [series(s, 'VUs', COLOR.vus, (r) => r.vus, 'max')],
    }),
    note,
  ];
}

/** Latency against the load level; the recovery level (back to the start load) is drawn apart, dashed. */
function levelsChart(s: Summary): string {
  const levels = s.scalability?.levels ?? [];
  if (!levels.length) return '';
  const load = levels.filter((l) => l.phase === 'load');
  const recovery = levels.filter((l) => l.phase === 'recovery');
  const unit = levels[0]?.unit === 'rate' ? 'iterations/s' : 'VUs';
  // A level with nothing answered has no latency: no point is drawn for it rather than one at 0 ms.
  const pts = (ls: typeof levels, f: (l: (typeof levels)[number]) => number | null) =>
    ls.flatMap((l): [number, number][] => {
      const ms = f(l);
      return ms === null ? [] : [[l.load, ms]];
    });
  const out: ChartSeries[] = [
    { name: 'p50', color: COLOR.p50, points: pts(load, (l) => l.p50Ms), markers: true },
    { name: 'p95', color: COLOR.p95, points: pts(load, (l) => l.p95Ms), markers: true },
    { name: 'p99', color: COLOR.p99, points: pts(load, (l) => l.p99Ms), markers: true },
  ];
  if (recovery.length)
    out.push({
      name: 'p95 (recovery)',
      color: '#72b7b2',
      points: pts(recovery, (l) => l.p95Ms),
      markers: true,
      dashed: true,
    });
  const rating = s.scalability?.rating
    ? `<p class="note">Scalability: ${esc(s.scalability.rating)}.</p>`
    : '';
  return `<h2>Latency against load</h2>${renderLineChart({
    id: 'levels',
    title: `Latency at each load level (${unit})`,
    xLabel: `load level (${unit})`,
    yLabel: 'latency',
    formatX: countAxis,
    formatY: msAxis,
    series: out,
  })}${rating}`;
}

function table(header: string[], rows: string[][], numericFrom = 1): string {
  const th = header.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) => `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function figure(label: string, value: string): string {
  return `<div class="figure"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div></div>`;
}

function baselineSection(s: Summary): string {
  const c = s.baseline;
  if (!c) return '';
  const rows = c.rows.map((r) => {
    const cells = comparisonCells(r).map(esc);
    const cls = r.verdict === 'regressed' ? 'bad' : r.verdict === 'improved' ? 'good' : '';
    cells[cells.length - 1] = `<span class="${cls}">${cells[cells.length - 1]}</span>`;
    return cells;
  });
  return `<h2>Baseline comparison</h2><p class="${c.verdict === 'failed' ? 'bad' : ''}">${esc(comparisonVerdictLine(c))}</p>${
    rows.length ? table(COMPARISON_HEADER, rows) : ''
  }`;
}

function stepsTable(s: Summary): string {
  return table(
    ['Step', 'Requests', 'RPS', 'p50', 'p95', 'p99', 'Max', 'Errors'],
    s.steps.map((st) => [
      esc(`${st.scenario}/${st.step}`),
      fmtCount(st.requests),
      fmtRate(st.rps),
      fmtStat(st.latency, st.latency.p50Ms),
      fmtStat(st.latency, st.latency.p95Ms),
      fmtStat(st.latency, st.latency.p99Ms),
      fmtStat(st.latency, st.latency.maxMs),
      st.failures ? `${fmtCount(st.failures)} (${fmtPercent(st.errorRate)})` : '0',
    ]),
  );
}

const passFail = (passed: boolean) =>
  passed ? '<span class="good">pass</span>' : '<span class="bad">FAIL</span>';

/** Thresholds and the default gates in one table. */
function thresholdsSection(s: Summary): string {
  const budgetRows = [
    ...s.thresholds.map((t) => [
      esc(t.metric),
      esc(t.threshold),
      esc(fmtThresholdValue(t.actual, t.unit)),
      passFail(t.passed),
    ]),
    ...(s.gates ?? []).map((g) => [esc(g.name), esc(g.rule), esc(g.actual), passFail(g.passed)]),
  ];
  return (
    (s.thresholds.length ? '' : '<p>No thresholds were set; the default gates apply.</p>') +
    (budgetRows.length ? table(['Metric', 'Threshold', 'Actual', 'Status'], budgetRows, 2) : '')
  );
}

function errorsSection(s: Summary): string {
  const errorClasses = Object.entries(s.errors.byClass).filter(([, n]) => n > 0);
  if (!errorClasses.length) return '<p>No failed requests.</p>';
  return table(
    ['Class', 'Count', 'Share of requests'],
    errorClasses.map(([c, n]) => [
      esc(c),
      fmtCount(n),
      fmtPercent(s.totals.requests ? n / s.totals.requests : 0),
    ]),
  );
}

/** The headline figures at the top of the page. */
function figuresSection(s: Summary): string {
  return `<section class="figures">
${figure('Requests', fmtCount(s.totals.requests))}
${figure('Requests/s', fmtRate(s.totals.rps))}
${figure('Error rate', fmtPercent(s.totals.errorRate))}
${figure('p50', fmtStat(s.latency, s.latency.p50Ms))}
${figure('p95', fmtStat(s.latency, s.latency.p95Ms))}
${figure('p99', fmtStat(s.latency, s.latency.p99Ms))}
${figure('Data in / out', `${fmtBytes(s.totals.bytesIn)} / ${fmtBytes(s.totals.bytesOut)}`)}
${figure('Generator', s.generator.saturated ? 'SATURATED' : 'healthy')}
</section>`;
}

export function renderHtml(s: Summary): string {
  const verdictClass = s.verdict === 'passed' ? 'pass' : 'fail';
  const name = esc(s.loadTest.name);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load test report: ${name}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<header>
<h1>Load test report: ${name}</h1>
<span class="verdict ${verdictClass}">${esc(s.verdict.toUpperCase())}</span>
<p class="meta">${esc(s.outcome)}${s.outcomeDetail ? ` (${esc(s.outcomeDetail)})` : ''} · target ${esc(s.target)} · started ${esc(s.startedAt)} · ${s.durationSeconds}s · ${esc(s.latencyModel)} model</p>
</header>
${figuresSection(s)}
${baselineSection(s)}
${analysisHtml(s)}
<h2>Over time</h2>
${timeCharts(s).join('\n')}
${levelsChart(s)}
<h2>Thresholds</h2>
${thresholdsSection(s)}
<h2>Response times by step</h2>
${stepsTable(s)}
${markdownSectionsHtml(s)}
<h2>Errors</h2>
${errorsSection(s)}
<footer>Generated by Stampede from summary.json (schema ${s.schemaVersion}). Percentiles come from HDR histograms merged exactly across workers and runners.</footer>
</body>
</html>
`;
}
