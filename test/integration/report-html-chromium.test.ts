/**
 * report.html in a real headless Chromium: it loads with no console error and no request beyond itself,
 * every chart holds the data it should, every table has one head row over its data rows, and a screenshot is produced (kept at $STAMPEDE_SCREENSHOT_DIR when
 * set, for a person to look at).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSummaries } from '../../src/analysis/compare.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { type Chromium, startChromium } from '../helpers/chromium.js';
import { sectionsFixture, summaryFixture } from '../helpers/summary-fixture.js';

interface ChartData {
  id: string;
  series: { name: string; points: number; segments: number }[];
}

const CHARTS_IN_PAGE = `JSON.stringify([...document.querySelectorAll('svg[data-chart]')].map((svg) => ({
  id: svg.dataset.chart,
  series: [...svg.querySelectorAll('path[data-series]')].map((p) => ({
    name: p.dataset.series,
    points: Number(p.dataset.points),
    segments: (p.getAttribute('d').match(/[ML]/g) || []).length,
  })),
})))`;

interface TableData {
  /** The heading of the section the table is in. */
  section: string;
  headRows: number;
  head: string[];
  rows: string[][];
}

const TABLES_IN_PAGE = `JSON.stringify([...document.querySelectorAll('table')].map((t) => {
  let h = t.previousElementSibling;
  while (h && h.tagName !== 'H2') h = h.previousElementSibling;
  const text = (row) => [...row.cells].map((c) => c.textContent);
  return {
    section: h ? h.textContent : '',
    headRows: t.tHead ? t.tHead.rows.length : 0,
    head: t.tHead && t.tHead.rows[0] ? text(t.tHead.rows[0]) : [],
    rows: [...t.tBodies].flatMap((b) => [...b.rows].map(text)),
  };
}))`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('report.html in headless Chromium', () => {
  let chromium: Chromium;
  let dir: string;
  beforeAll(async () => {
    chromium = await startChromium();
    dir = await mkdtemp(join(tmpdir(), 'stampede-html-'));
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
  });

  async function visit(name: string, html: string) {
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    const page = await chromium.open(pathToFileURL(file).href);
    const charts = JSON.parse(await page.evaluate<string>(CHARTS_IN_PAGE)) as ChartData[];
    const png = await page.screenshot(1100);
    const keep = process.env.STAMPEDE_SCREENSHOT_DIR;
    if (keep) {
      await mkdir(keep, { recursive: true });
      await writeFile(join(keep, `${name}.png`), png);
    }
    return { page, charts, png, text: await page.evaluate<string>('document.body.innerText') };
  }

  it('draws every chart, latency against load from summary levels, with no console error or request', async () => {
    const baseline = summaryFixture({ latencyUs: 8_000, levels: true });
    const current = summaryFixture({ latencyUs: 12_000, levels: true });
    const comparison = compareSummaries(baseline, current, { p95: 0.1 }, 'checkout-baseline-report');
    const summary = { ...current, baseline: comparison, verdict: 'failed' as const };
    const { page, charts, png, text } = await visit('report-levels', renderHtml(summary));
    page.close();

    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual(['latency', 'throughput', 'errors', 'vus', 'levels']);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(byId.latency?.series.map((s) => s.name)).toEqual(['p50', 'p95', 'p99']);
    expect(byId.throughput?.series.map((s) => s.name)).toEqual(['requests/s']);
    expect(byId.errors?.series.map((s) => s.name)).toEqual(['errors/s']);
    for (const id of ['latency', 'throughput', 'errors', 'vus'])
      for (const s of byId[id]?.series ?? []) expect(s).toMatchObject({ points: 70, segments: 70 });
    // Six load levels and the recovery level, each a marker on its line.
    expect(byId.levels?.series).toEqual([
      { name: 'p50', points: 6, segments: 6 },
      { name: 'p95', points: 6, segments: 6 },
      { name: 'p99', points: 6, segments: 6 },
      { name: 'p95 (recovery)', points: 1, segments: 1 },
    ]);
    // The name is escaped, not interpreted as markup.
    expect(text).toContain('Load test report: fixture <run> & "quotes"');
    expect(text).toMatch(/Baseline comparison FAILED against checkout-baseline-report/);
    expect(text).toMatch(/FAILED/);
    expect(png.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect(png.length).toBeGreaterThan(20_000);
  }, 60_000);

  it('carries every report.md section it has no chart for, each table a head row over its data rows', async () => {
    const summary = sectionsFixture();
    const md = renderMarkdown(summary);
    const { page, text } = await visit('report-sections', renderHtml(summary));
    const found = JSON.parse(await page.evaluate<string>(TABLES_IN_PAGE)) as TableData[];
    page.close();
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    for (const heading of ['Configuration', 'WebSocket', 'PostgreSQL', 'Custom metrics', 'Resource usage']) {
      expect(md).toContain(`## ${heading}`);
      expect(text).toContain(heading);
    }
    // Every table on the page: one head row, as many cells in each body row as in the head, no "---" cell.
    for (const t of found) {
      expect(t.headRows, t.section).toBe(1);
      for (const row of t.rows) expect(row.length, t.section).toBe(t.head.length);
      expect(
        [...t.head, ...t.rows.flat()].filter((c) => /^\s*:?-{3,}:?\s*$/.test(c)),
        t.section,
      ).toEqual([]);
    }
    const bySection = (heading: string) =>
      found.filter((t) => t.section === heading).map((t) => [t.head[0], t.rows.length]);
    expect(bySection('Configuration')).toEqual([['Scenario', 2]]);
    expect(bySection('WebSocket')).toEqual([
      ['Step', 1],
      ['Step', 1],
    ]);
    expect(bySection('PostgreSQL')).toEqual([['Query', 1]]);
    expect(bySection('Custom metrics')).toEqual([['Metric', 3]]);
    // Generator per level, target figures, target per level, target over time.
    expect(bySection('Resource usage')).toEqual([
      ['Level', 7],
      ['Figure', 5],
      ['Level', 7],
      ['Second', 3],
    ]);
    const config = found.find((t) => t.section === 'Configuration');
    expect(config?.rows.map((r) => r[0])).toEqual(['s', 'second | bar']);
    expect(found.find((t) => t.section === 'Custom metrics')?.rows.map((r) => r.slice(0, 2))).toEqual([
      ['queue_position', 'trend'],
      ['cache_hits', 'counter'],
      ['fresh', 'rate'],
    ]);
    expect(text).toMatch(/12\.5 MB\/hour/);
    // Names from the summary stay text, never markup.
    expect(text).toContain('chat <ws>');
    expect(text).toMatch(/balance/);
  }, 60_000);

  it('a long run is bucketed to a bounded number of points, and a run without levels has no levels chart', async () => {
    const summary = summaryFixture({ seconds: 3600 });
    const { page, charts, text } = await visit('report-long', renderHtml(summary));
    page.close();
    expect(page.consoleErrors).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual(['latency', 'throughput', 'errors', 'vus']);
    for (const c of charts)
      for (const s of c.series) {
        expect(s.points).toBe(600);
        expect(s.segments).toBe(600);
      }
    expect(text).toMatch(/3,600 seconds drawn as 600 points/);
  }, 60_000);

  it('seconds where nothing was answered are gaps in the latency lines, not zeros', async () => {
    const base = summaryFixture({ seconds: 20 });
    // Seconds 6-8 answered nothing (a target that stopped listening), and second 12 alone.
    const silent = new Set([6, 7, 8, 12]);
    const timeseries = base.timeseries.map((t) =>
      silent.has(t.second) ? { ...t, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null } : t,
    );
    const { page, charts } = await visit('report-gaps', renderHtml({ ...base, timeseries }));
    const d = await page.evaluate<string>(
      `document.querySelector('svg[data-chart="latency"] path[data-series="p95"]').getAttribute('d')`,
    );
    page.close();
    expect(page.consoleErrors).toEqual([]);
    const latency = charts.find((c) => c.id === 'latency');
    // 16 measured seconds (0-5, 9-11, 13-19) in three runs, each a subpath of its own.
    for (const s of latency?.series ?? []) expect(s).toMatchObject({ points: 16, segments: 16 });
    expect(d.match(/M/g)?.length).toBe(3);
    // Throughput has a value every second: 0 requests answered is still a measured rate.
    const throughput = charts.find((c) => c.id === 'throughput');
    expect(throughput?.series[0]).toMatchObject({ points: 20 });
  }, 60_000);
});
