import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/report/summary.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { selfSignedCertificate } from '../helpers/self-signed.js';

/**
 * Runs that must never pass, thresholds or not: every request failed, nothing was sent, or (without
 * thresholds) the default error budget was blown. Each is the real CLI against a real local server.
 */
async function runManifest(spec: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-verdict-'));
  const file = join(dir, 'test.yaml');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'verdict' },
      spec,
    }),
  );
  const out = join(dir, 'report');
  const result = await runCli(['run', file, '--quiet', '--workers', '1', '--out', out]);
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
  const junit = await readFile(join(out, 'junit.xml'), 'utf8');
  const markdown = await readFile(join(out, 'report.md'), 'utf8');
  return { result, summary, junit, markdown };
}

const gate = (s: Summary, name: string) => s.gates?.find((g) => g.name.startsWith(name));

describe('verdicts that cannot pass', () => {
  let https: Server;
  let httpsUrl: string;
  let flaky: TestServer;
  beforeAll(async () => {
    https = createServer(selfSignedCertificate(), (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const address = https.address();
    httpsUrl = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    let n = 0;
    // One answer in five is a 500: a 20% error rate.
    flaky = await startServer((_req, res) => {
      res.statusCode = n++ % 5 === 4 ? 500 : 200;
      res.end('ok');
    });
  });
  afterAll(async () => {
    https.closeAllConnections();
    await new Promise((resolve) => https.close(resolve));
    await flaky.close();
  });

  const scenario = (flow: unknown[]) => ({
    s: { executor: 'constant-arrival-rate', rate: 20, duration: '2s', preAllocatedVUs: 5, flow },
  });

  it('every request fails (self-signed HTTPS): FAILED, exit 99, a junit failure, even with passing thresholds', async () => {
    const { result, summary, junit, markdown } = await runManifest({
      target: { baseURL: httpsUrl },
      scenarios: scenario([{ name: 'get', request: { url: '/' } }]),
      // A threshold on latency that holds for want of data must not carry the run.
      thresholds: { http_req_duration: ['p(95)<10000ms'] },
    });
    expect(summary.totals.requests).toBeGreaterThan(0);
    expect(summary.totals.failures).toBe(summary.totals.requests);
    expect(summary.verdict).toBe('failed');
    expect(gate(summary, 'successful requests')).toMatchObject({ passed: false, actual: '0' });
    expect(result.code).toBe(99);
    expect(result.stdout).toMatch(/verdict FAILED/);
    expect(result.stdout).toMatch(/FAIL {2}successful requests {2}>= 1 {2}\(actual 0\)/);
    expect(junit).toMatch(/<failure message="successful requests &gt;= 1 \(actual 0\)"/);
    expect(markdown).toMatch(/\| successful requests \| >= 1 \| 0 \| \*\*FAIL\*\* \|/);
    // No response, so no latency: shown as "no data", never as 0.00ms.
    expect(summary.latency.count).toBe(0);
    // In summary.json a figure with no data is null, never 0 (a script must not read "0 ms").
    expect(summary.latency).toMatchObject({ minMs: null, p50Ms: null, p99Ms: null, maxMs: null });
    expect(summary.steps[0]?.latency.p95Ms).toBeNull();
    expect(result.stdout).toMatch(/ALL .*no data/);
    expect(result.stdout).not.toMatch(/0\.00ms/);
    expect(markdown).toMatch(/Latency p50 \/ p95 \/ p99 \| no data \/ no data \/ no data/);
    expect(markdown).not.toMatch(/0\.00ms/);
  }, 60_000);

  it('nothing is sent (a flow without requests): FAILED, exit 99', async () => {
    const { result, summary, junit } = await runManifest({
      target: { baseURL: flaky.url },
      scenarios: scenario([{ set: { a: 'b' } }]),
    });
    expect(summary.totals.requests).toBe(0);
    expect(summary.verdict).toBe('failed');
    expect(gate(summary, 'requests sent')).toMatchObject({ passed: false, actual: '0' });
    expect(result.code).toBe(99);
    expect(junit).toMatch(/<failure message="requests sent &gt;= 1 \(actual 0\)"/);
  }, 60_000);

  it('without thresholds, the default error budget (< 5%) applies: 20% errors fail, exit 99', async () => {
    const { result, summary, markdown } = await runManifest({
      target: { baseURL: flaky.url },
      scenarios: scenario([{ name: 'get', request: { url: '/' } }]),
    });
    expect(summary.totals.errorRate).toBeGreaterThan(0.15);
    expect(gate(summary, 'error rate (default')).toMatchObject({ passed: false, rule: '< 5%' });
    expect(summary.verdict).toBe('failed');
    expect(result.code).toBe(99);
    expect(markdown).toMatch(/No thresholds were set, so the default gates apply/);
  }, 60_000);

  it('with thresholds set, they replace the default error budget', async () => {
    const { result, summary } = await runManifest({
      target: { baseURL: flaky.url },
      scenarios: scenario([{ name: 'get', request: { url: '/' } }]),
      thresholds: { errors: ['rate<0.5'] },
    });
    expect(gate(summary, 'error rate (default')).toBeUndefined();
    expect(summary.gates?.every((g) => g.passed)).toBe(true);
    expect(summary.verdict).toBe('passed');
    expect(result.code).toBe(0);
  }, 60_000);
});
