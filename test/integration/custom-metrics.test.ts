import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Scenario } from '../../src/api/schema.js';
import type { Summary } from '../../src/report/summary.js';
import { runCli } from '../helpers/cli.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

/**
 * Custom metrics against a real server: a response header becomes a trend, an extracted JSON value a
 * counter, a header comparison a rate. The server numbers its answers globally, so the multiset of values
 * over N requests is the same however VUs and workers interleave: two workers must merge to exactly what
 * one worker measured.
 */
const REQUESTS = 40;

/** Answer n: queue position n % 10, size 100 + n % 3, a cache hit unless n % 4 == 0. */
function answer(n: number) {
  return { position: n % 10, size: 100 + (n % 3), cache: n % 4 === 0 ? 'MISS' : 'HIT' };
}

function expected() {
  const all = Array.from({ length: REQUESTS }, (_, n) => answer(n));
  return {
    sizes: all.reduce((sum, a) => sum + a.size, 0),
    hits: all.filter((a) => a.cache === 'HIT').length,
    positionsMean: all.reduce((sum, a) => sum + a.position, 0) / REQUESTS,
  };
}

const scenario = (vus: number): Scenario => ({
  executor: 'shared-iterations',
  vus,
  iterations: REQUESTS,
  flow: [
    {
      name: 'enqueue',
      request: { url: '/enqueue' },
      extract: {
        position: { header: 'x-queue-position' },
        size: { json: '$.size' },
        cache: { header: 'x-cache' },
      },
      metric: { name: 'queue_position', type: 'trend', value: '${vars.position}' },
      metrics: [
        { name: 'payload_units', type: 'counter', value: '${vars.size}' },
        { name: 'cache_hits', type: 'rate', value: "${vars.cache == 'HIT'}" },
      ],
    },
  ],
});

const THRESHOLDS = {
  // Positions 0..9 evenly: p95 is 9, so this fails; the others pass.
  queue_position: ['p(95)<5', 'max<=9', 'avg<5'],
  'payload_units{step:enqueue}': ['count>100'],
  cache_hits: ['rate>0.7', 'rate<0.8'],
};

describe('custom metrics', () => {
  let server: TestServer;
  let served = 0;
  beforeAll(async () => {
    served = 0;
    server = await startServer((_req, res) => {
      const a = answer(served++);
      return json(res, 200, { size: a.size }, { 'x-queue-position': String(a.position), 'x-cache': a.cache });
    });
  });
  afterAll(() => server.close());

  async function measure(vus: number, workers: number): Promise<Summary> {
    served = 0;
    return run(loadTest(server.url, { s: scenario(vus) }, { thresholds: THRESHOLDS }), workers);
  }

  it('records a header as a trend, an extracted value as a counter and a comparison as a rate', async () => {
    const summary = await measure(1, 1);
    const e = expected();
    const byName = Object.fromEntries((summary.customMetrics ?? []).map((m) => [m.name, m]));
    expect(byName.queue_position).toMatchObject({
      type: 'trend',
      samples: REQUESTS,
      invalid: 0,
      steps: ['s/enqueue'],
      trend: { mean: e.positionsMean, min: 0, p50: 4, max: 9 },
    });
    expect(byName.payload_units).toMatchObject({ type: 'counter', samples: REQUESTS, count: e.sizes });
    expect(byName.cache_hits).toMatchObject({ type: 'rate', samples: REQUESTS, rate: e.hits / REQUESTS });
    const results = Object.fromEntries(summary.thresholds.map((t) => [`${t.metric} ${t.threshold}`, t]));
    expect(results['queue_position p(95)<5']).toMatchObject({ passed: false, actual: 9, unit: 'value' });
    expect(results['queue_position max<=9']).toMatchObject({ passed: true, actual: 9 });
    expect(results['queue_position avg<5']).toMatchObject({ passed: true, actual: e.positionsMean });
    expect(results['payload_units{step:enqueue} count>100']).toMatchObject({ passed: true, actual: e.sizes });
    expect(results['cache_hits rate>0.7']).toMatchObject({ passed: true, actual: e.hits / REQUESTS });
    expect(summary.verdict).toBe('failed');
  });

  it('two workers merge to exactly what one worker measured', async () => {
    const one = await measure(1, 1);
    const two = await measure(4, 2);
    expect(two.steps[0]?.requests).toBe(REQUESTS);
    // Everything but the per-second figure, which depends on how long each run took.
    const timeless = (s: Summary) => s.customMetrics?.map(({ perSecond: _, ...m }) => m);
    expect(timeless(two)).toEqual(timeless(one));
    expect(two.thresholds.map((t) => [t.metric, t.threshold, t.actual, t.passed])).toEqual(
      one.thresholds.map((t) => [t.metric, t.threshold, t.actual, t.passed]),
    );
  });

  it('the CLI exits 99 on a failing custom threshold and shows the metric in every report file', async () => {
    served = 0;
    const dir = await mkdtemp(join(tmpdir(), 'stampede-custom-'));
    const file = join(dir, 'test.yaml');
    await writeFile(
      file,
      stringify({
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        metadata: { name: 'custom' },
        spec: { target: { baseURL: server.url }, scenarios: { s: scenario(2) }, thresholds: THRESHOLDS },
      }),
    );
    const out = join(dir, 'out');
    const result = await runCli(['run', file, '--workers', '1', '--out', out]);
    expect(result.code, result.stderr).toBe(99);
    expect(result.stdout + result.stderr).toMatch(/custom metrics:[\s\S]*queue_position \(trend\)/);
    expect(result.stdout + result.stderr).toMatch(/FAIL\s+queue_position\s+p\(95\)<5\s+\(actual 9\)/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary.customMetrics?.map((m) => m.name)).toEqual([
      'cache_hits',
      'payload_units',
      'queue_position',
    ]);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Custom metrics');
    expect(md).toMatch(/\| queue_position \| trend \| 40 \|/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Custom metrics');
    expect(html).toContain('payload_units');
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<failure message="queue_position: p(95)&lt;5 (actual 9)"/>');
  });

  it('the CLI refuses a bad metric with exit 2 and the field path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-custom-bad-'));
    const file = join(dir, 'bad.yaml');
    const bad = scenario(1);
    bad.flow[0] = { ...bad.flow[0], metric: { name: 'checks', type: 'trend', value: '${vars.position}' } };
    await writeFile(
      file,
      stringify({
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        metadata: { name: 'bad' },
        spec: { target: { baseURL: server.url }, scenarios: { s: bad } },
      }),
    );
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('spec.scenarios.s.flow[0].metric.name');
    expect(result.stderr).toContain('"checks" is a built-in metric');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('examples/custom-metrics.yaml', () => {
  it('runs against the demo target, shortened, and passes its custom thresholds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-custom-example-'));
    const manifest = parse(
      await readFile(new URL('../../examples/custom-metrics.yaml', import.meta.url), 'utf8'),
    );
    manifest.spec.scenarios.shoppers.duration = '3s';
    const file = join(dir, 'custom-metrics.json');
    await writeFile(file, JSON.stringify(manifest));
    const out = join(dir, 'report');
    const result = await runCli(['run', file, '--demo-target', '--workers', '1', '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
    const byName = Object.fromEntries((summary.customMetrics ?? []).map((m) => [m.name, m]));
    const transactions = summary.steps.find((s) => s.step === 'transaction')?.requests;
    expect(byName.order_amount?.samples).toBe(transactions);
    expect(byName.order_amount?.trend?.max).toBeLessThanOrEqual(100);
    expect(byName.orders_accepted?.rate).toBe(1);
    // The demo's list holds 20 items per page.
    expect(byName.items_listed?.count).toBe(
      20 * (summary.steps.find((s) => s.step === 'browse')?.requests ?? 0),
    );
    expect(summary.thresholds.every((t) => t.passed)).toBe(true);
  });
});
