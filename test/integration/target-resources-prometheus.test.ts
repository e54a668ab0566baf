/**
 * The target's CPU and memory from a real Prometheus: Debian's prometheus scraping two real target processes
 * (one steady, one growing its memory on purpose) every second, queried by a real local run through
 * /api/v1/query_range.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTargetResources } from '../../src/analysis/index.js';
import type { LoadTest } from '../../src/api/schema.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { exitCodeFor } from '../../src/cli/run.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { closedPort } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';
import {
  type MetricsTarget,
  type RunningPrometheus,
  startMetricsTarget,
  startPrometheus,
} from '../helpers/prometheus.js';

/** The leaky target keeps this much more memory every second: 72,000 MB/hour. */
const LEAK_MB_PER_SECOND = 20;
/**
 * Well below the leak's rate and well above a steady Node process's noise over a few seconds (GC and warm-up
 * move its RSS by a few MB, which a short run extrapolates to hundreds or thousands of MB/hour).
 */
const LEAK_THRESHOLD_MB_PER_HOUR = 5000;

function manifest(target: MetricsTarget, prometheusUrl: string, job: string): LoadTest {
  return loadTest(
    target.url,
    {
      load: {
        executor: 'constant-arrival-rate',
        rate: 50,
        duration: '6s',
        preAllocatedVUs: 5,
        flow: [{ name: 'get', request: { url: '/' } }],
      },
    },
    {
      analysis: {
        prometheus: {
          url: prometheusUrl,
          // Process metrics of the target (prom-client's defaults); $pod is filled from the selector.
          cpuQuery: 'sum(rate(process_cpu_seconds_total{job="$pod"}[5s]))',
          memoryQuery: 'sum(process_resident_memory_bytes{job="$pod"})',
          selector: { pod: job },
          leakThresholdMbPerHour: LEAK_THRESHOLD_MB_PER_HOUR,
        },
      },
    },
  );
}

describe('target resources from a real Prometheus', () => {
  let prometheus: RunningPrometheus;
  let steady: MetricsTarget;
  let leaky: MetricsTarget;

  beforeAll(async () => {
    steady = await startMetricsTarget();
    leaky = await startMetricsTarget({ leakMbPerSecond: LEAK_MB_PER_SECOND });
    prometheus = await startPrometheus([
      { job: 'steady', address: steady.address },
      { job: 'leaky', address: leaky.address },
    ]);
    await prometheus.waitForTargets(2);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await steady?.stop();
    await leaky?.stop();
  });

  it('gives a steady target its CPU and memory over the run, and no leak', async () => {
    const summary = await run(manifest(steady, prometheus.url, 'steady'));
    const t = summary.targetResources;
    expect(t?.error).toBeUndefined();
    expect(t?.source.memoryQuery).toBe('sum(process_resident_memory_bytes{job="steady"})');
    const memory = t?.series.filter((r) => r.memoryMb !== null) ?? [];
    expect(memory.length).toBeGreaterThanOrEqual(4);
    // A Node process serving HTTP holds tens of MB; well under a GB.
    for (const r of memory) expect(r.memoryMb).toBeGreaterThan(10);
    for (const r of memory) expect(r.memoryMb).toBeLessThan(1024);
    expect(t?.series.some((r) => r.cpuCores !== null && r.cpuCores > 0)).toBe(true);
    expect(t?.memoryGrowthMbPerHour).not.toBeNull();
    expect(t?.leakSuspected).toBe(false);
    expect(summary.findings?.map((f) => f.id)).not.toContain('memory-growth');
    const report = renderMarkdown(summary);
    expect(report).toMatch(/### Target\n/);
    expect(report).toContain('| Second | Target CPU (cores) | Target memory |');
    expect(report).toContain(`| Leak check | no: at or below ${LEAK_THRESHOLD_MB_PER_HOUR} MB/hour |`);
  }, 60_000);

  it('flags a target whose memory keeps growing as a possible leak, with the growth rate as evidence', async () => {
    const summary = await run(manifest(leaky, prometheus.url, 'leaky'));
    const t = summary.targetResources;
    expect(t?.error).toBeUndefined();
    // 20 MB/s is 72,000 MB/hour; scrape timing and RSS accounting leave room either side.
    expect(t?.memoryGrowthMbPerHour).toBeGreaterThan(36_000);
    expect(t?.memoryGrowthMbPerHour).toBeLessThan(144_000);
    expect(t?.leakSuspected).toBe(true);
    const finding = summary.findings?.find((f) => f.id === 'memory-growth');
    expect(finding?.evidence[0]).toMatch(
      /^least-squares slope of \d+ memory samples: [\d.]+ MB\/hour \(limit 5000 MB\/hour\)$/,
    );
    expect(summary.score?.parts.find((p) => p.name === 'target memory')?.points).toBe(0);
    const report = renderMarkdown(summary);
    expect(report).toContain('**Possible memory leak:**');
    expect(report).toMatch(
      /\| target memory growth \| <= 5000 MB\/hour \| [\d.]+ MB\/hour \| \*\*FAIL\*\* \|/,
    );
    // A failing budget row fails the run: verdict, exit code and junit.xml agree with the table.
    expect(summary.verdict).toBe('failed');
    expect(exitCodeFor(summary)).toBe(EXIT.THRESHOLDS_FAILED);
    expect(renderJunit(summary)).toMatch(
      /<failure message="target memory growth &lt;= 5000 MB\/hour \(actual/,
    );
  }, 60_000);

  it('keeps the rest of the report when Prometheus cannot be reached', async () => {
    const summary = await run(manifest(steady, prometheus.url, 'steady'));
    const port = await closedPort();
    const lt = manifest(steady, `http://127.0.0.1:${port}`, 'steady');
    const after = await addTargetResources({ ...summary, targetResources: undefined }, lt);
    expect(after.targetResources?.error).toMatch(
      /^CPU query to http:\/\/127\.0\.0\.1:\d+ failed: ECONNREFUSED/,
    );
    expect(after.targetResources?.series).toEqual([]);
    expect(after.targetResources?.leakSuspected).toBe(false);
    expect(after.totals).toEqual(summary.totals);
    expect(after.steps).toEqual(summary.steps);
    const report = renderMarkdown(after);
    expect(report).toContain(`Prometheus (http://127.0.0.1:${port}) could not be used: CPU query`);
    expect(report).toContain('## Response times by step');
  }, 60_000);

  it('says what Prometheus answered to a query it rejects', async () => {
    const summary = await run(manifest(steady, prometheus.url, 'steady'));
    const lt = manifest(steady, prometheus.url, 'steady');
    const prom = lt.spec.analysis?.prometheus;
    if (!prom) throw new Error('manifest lost spec.analysis.prometheus');
    prom.memoryQuery = 'sum(process_resident_memory_bytes{';
    const after = await addTargetResources(summary, lt);
    expect(after.targetResources?.error).toMatch(/^memory query to .* failed: HTTP 400: .*parse error/);
  }, 60_000);
});
