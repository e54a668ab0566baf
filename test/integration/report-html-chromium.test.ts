/**
 * report.html in a real headless Chromium: it loads with no console error and no request beyond itself,
 * every chart holds the data it should, and a screenshot is produced (kept at $STAMPEDE_SCREENSHOT_DIR when
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
import type { Summary } from '../../src/report/summary.js';
import { type Chromium, startChromium } from '../helpers/chromium.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

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

  it('carries every report.md section it has no chart for: configuration, WebSocket, PostgreSQL, resources', async () => {
    const base = summaryFixture({ seconds: 10 });
    const stats = base.latency;
    const wsStep = {
      ...(base.steps[0] as Summary['steps'][number]),
      step: 'chat <ws>',
      protocol: 'ws' as const,
      ws: {
        sessions: 12,
        messagesSent: 340,
        messagesReceived: 338,
        sentPerSecond: 34,
        receivedPerSecond: 33.8,
        connectTime: stats,
        sessionDuration: stats,
      },
    };
    const pgStep = {
      ...(base.steps[0] as Summary['steps'][number]),
      step: 'balance',
      protocol: 'pg' as const,
      pg: { rows: 900, rowsPerSecond: 90, poolWait: stats, queryTime: stats },
    };
    const summary: Summary = {
      ...base,
      steps: [...base.steps, wsStep, pgStep],
      targetResources: {
        source: { url: 'http://127.0.0.1:9090', cpuQuery: 'cpu', memoryQuery: 'mem' },
        memoryGrowthMbPerHour: 12.5,
        leakThresholdMbPerHour: 5000,
        leakSuspected: false,
        series: [{ second: 1, cpuCores: 0.5, memoryMb: 120 }],
      },
    };
    const md = renderMarkdown(summary);
    const { page, text } = await visit('report-sections', renderHtml(summary));
    page.close();
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    for (const heading of ['Configuration', 'WebSocket', 'PostgreSQL', 'Resource usage']) {
      expect(md).toContain(`## ${heading}`);
      expect(text).toContain(heading);
    }
    expect(text).toMatch(/Target/);
    expect(text).toMatch(/12\.5 MB\/hour|12\.5/);
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
