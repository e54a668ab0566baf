/**
 * A second of the time series in which every request was refused measured no latency: its p50/p95/p99/max
 * are null (summary.json null, an empty CSV cell, "no data", no chart point), never a made-up 0 ms that
 * charts, tables and findings would read as "fast". Seconds are recorded through the real settle path
 * (compileSettle, StepRecorder, ShardRecorder.closeInterval), merged and summarised by the real code.
 */
import { describe, expect, it } from 'vitest';
import { findBottlenecks, saturationFinding } from '../../src/analysis/findings.js';
import { summaryToJson } from '../../src/analysis/summary-json.js';
import { type MergedRun, mergeSnapshots } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { renderTimeseriesCsv } from '../../src/report/csv.js';
import { renderHtml } from '../../src/report/html.js';
import { downsamplePoints } from '../../src/report/html-charts.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { describeLive } from '../../src/report/progress.js';
import { buildSummary, type Summary } from '../../src/report/summary.js';
import { keepExtremes } from '../../src/report/trim.js';
import { refusedError, settleSender } from '../helpers/settle-sender.js';

/** One second of traffic: `ok` answers at `okMs`, `refused` connections refused, `vus` active. */
interface SecondTraffic {
  vus: number;
  ok: number;
  okMs?: number;
  refused?: number;
}

/** Records each second through the real recorder and merges the shard's snapshot. */
function recordRun(seconds: SecondTraffic[]): MergedRun {
  const shard = new ShardRecorder(0, 1, { cores: 4, threads: 1 });
  const scenario = shard.scenario('s', 'ramping-vus', 'closed');
  const send = settleSender(shard.step('s', 'get', 'closed'), 's');
  for (const t of seconds) {
    scenario.vusChanged(t.vus - scenario.activeVUs);
    for (let i = 0; i < t.ok; i++) send(t.okMs ?? 50);
    for (let i = 0; i < (t.refused ?? 0); i++) send(0.1, refusedError());
    shard.closeInterval({ loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent: 10 });
  }
  // closeInterval labels seconds by their index (1, 2, ...), however fast they were recorded.
  return mergeSnapshots([shard.snapshot()]);
}

function summarize(run: MergedRun): Summary {
  return buildSummary({
    name: 'no-data',
    target: 'http://127.0.0.1:1',
    run,
    plans: [],
    thresholds: [],
    outcome: 'completed',
    finishedAtMs: run.startedAtMs + 5000,
  });
}

/** Seconds 1, 2, 4, 5 answered at 20 ms; second 3 refused every request. */
const OUTAGE: SecondTraffic[] = [
  { vus: 2, ok: 40, okMs: 20 },
  { vus: 2, ok: 40, okMs: 20 },
  { vus: 2, ok: 0, refused: 40 },
  { vus: 2, ok: 40, okMs: 20 },
  { vus: 2, ok: 40, okMs: 20 },
];

/** The y pixel of 0 ms on the charts: the bottom of the plot (html-charts MARGIN.top + PLOT_H). */
const ZERO_Y = (40 + 300 - 40 - 52).toFixed(1);

describe('a second where every request was refused has no latency', () => {
  const summary = summarize(recordRun(OUTAGE));
  const outage = summary.timeseries.find((x) => x.second === 3);

  it('summary and summary.json: p50/p95/p99/max are null, the counts stay', () => {
    expect(outage).toMatchObject({ requests: 40, failures: 40, errorRate: 1 });
    expect(outage).toMatchObject({ p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
    for (const x of summary.timeseries.filter((x) => x.second !== 3)) expect(x.p95Ms).toBeGreaterThan(0);
    const json = JSON.parse(summaryToJson(summary)) as Summary;
    const row = json.timeseries.find((x) => x.second === 3);
    // Same keys as before, null values.
    expect(Object.keys(row ?? {})).toEqual(Object.keys(summary.timeseries[0] ?? {}));
    expect(row).toMatchObject({ p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  });

  it('timeseries.csv: the latency cells of that second are empty', () => {
    const [header, ...rows] = renderTimeseriesCsv(summary).trim().split('\n');
    const cols = (header ?? '').split(',');
    const row = rows.map((r) => r.split(',')).find((r) => r[0] === '3') ?? [];
    for (const c of ['p50_ms', 'p95_ms', 'p99_ms', 'max_ms']) expect(row[cols.indexOf(c)]).toBe('');
    expect(row[cols.indexOf('failures')]).toBe('40');
    const answered = rows.map((r) => r.split(',')).find((r) => r[0] === '2') ?? [];
    expect(Number(answered[cols.indexOf('p95_ms')])).toBeGreaterThan(0);
  });

  it('report.md: the per-second row says "no data"', () => {
    const row = renderMarkdown(summary)
      .split('\n')
      .find((l) => l.startsWith('| 3 |'));
    expect(row).toMatch(/\| 3 \| 40\.0 \| 100\.0% \| no data \| no data \|/);
  });

  it('report.html: no latency point for that second, the line breaks there rather than dropping to 0', () => {
    const html = renderHtml(summary);
    const chart = html.match(/<svg class="chart" data-chart="latency".*?<\/svg>/s)?.[0] ?? '';
    for (const name of ['p50', 'p95', 'p99']) {
      const path = chart.match(new RegExp(`data-series="${name}" data-points="(\\d+)" d="([^"]*)"`));
      expect(path?.[1]).toBe('4');
      const d = path?.[2] ?? '';
      // Two runs of answered seconds (1-2, 4-5), each its own subpath; no y at the 0 ms line.
      expect(d.match(/M/g)).toHaveLength(2);
      const ys = [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => m[1]);
      expect(ys).toHaveLength(4);
      expect(ys).not.toContain(ZERO_Y);
    }
  });

  it('the live progress line says "no data" when the last second had no answer', () => {
    const run = recordRun(OUTAGE.slice(0, 3));
    const { headline } = describeLive({
      elapsedMs: 3000,
      plannedMs: 5000,
      run,
      totals: { requests: 120, failures: 40 },
      thresholds: [],
      scenarios: [],
    });
    expect(headline).toContain('p95 no data');
    expect(headline).not.toMatch(/p95 0\.00ms/);
  });

  it('chart buckets of null seconds stay null; others take the worst measured second', () => {
    const points: [number, number | null][] = [
      [1, null],
      [2, null],
      [3, 5],
      [4, null],
    ];
    expect(downsamplePoints(points, 2, 'max')).toEqual([
      [1, null],
      [3, 5],
    ]);
  });
});

describe('trimming the series keeps extremes without comparing nulls as numbers', () => {
  const rows = (p95s: (number | null)[]) => p95s.map((p95Ms, second) => ({ second, p95Ms }));
  const kept = (p95s: (number | null)[]) => keepExtremes(rows(p95s), 2, (r) => r.p95Ms).map((r) => r.second);

  it('the highest measured second and the no-data second stay', () => {
    expect(kept([5, null, 9, 1, 3])).toEqual([1, 2]);
    expect(kept([5, 9, 1, 3, 4])).toEqual([1, 2]);
    expect(kept([null, null, null])).toEqual([0]);
  });
});

describe('findings leave seconds without latency out of their medians', () => {
  // Early third: 10 VUs, 30 requests/s at 20 ms. Late third: 30 VUs, 33 requests/s, and two of its three
  // seconds refused everything; the one answered second took 100 ms. A 0 ms median would hide the climb.
  const early = { vus: 10, ok: 30, okMs: 20 };
  const middle = { vus: 20, ok: 32, okMs: 40 };
  const refused = { vus: 30, ok: 0, refused: 33 };
  const slow = { vus: 30, ok: 33, okMs: 100 };

  it('the median per-second p95 of a window counts only the seconds that measured latency', () => {
    const summary = summarize(
      recordRun([early, early, early, middle, middle, middle, refused, slow, refused]),
    );
    const f = saturationFinding(summary);
    expect(f?.id).toBe('saturation');
    const late = f?.evidence.find((e) => e.startsWith('seconds 7-9'));
    expect(late).toMatch(/median per-second p95 100 ms/);
    expect(findBottlenecks(summary).map((x) => x.id)).toContain('saturation');
  });

  it('a window with no latency at all shows no climb (and no "0 ms")', () => {
    const summary = summarize(
      recordRun([early, early, early, middle, middle, middle, refused, refused, refused]),
    );
    expect(saturationFinding(summary)).toBeUndefined();
    for (const f of findBottlenecks(summary)) expect(f.evidence.join('\n')).not.toMatch(/\b0(\.0)? ms/);
  });
});
