/**
 * `stampede run --allow` is the connection policy for everything the run dials, Prometheus included
 * (spec.analysis.prometheus): outside the policy it is not dialled, and the report says why.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

/** A Prometheus stand-in on another loopback address: a valid, empty-free range answer. */
const RANGE = JSON.stringify({
  status: 'success',
  data: { resultType: 'matrix', result: [{ values: [[1, '0.5']] }] },
});

describe('--allow covers spec.analysis.prometheus.url', () => {
  let dir: string;
  let target: TestServer;
  let prometheus: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-allow-prom-'));
    target = await startServer((_req, res) => res.end('ok'));
    prometheus = await startServer((_req, res) => res.end(RANGE), '127.0.0.2');
  });
  afterAll(async () => {
    await target.close();
    await prometheus.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function runWith(allow: string) {
    const file = join(dir, 'm.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: allow-prometheus }
spec:
  target: { baseURL: "${target.url}" }
  analysis: { prometheus: { url: "${prometheus.url}" } }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 3
      flow: [{ name: get, request: { url: / } }]
`,
    );
    const out = join(dir, `out-${allow.replace(/\W/g, '_')}`);
    const before = prometheus.requests;
    const result = await runCli(['run', file, '--workers', '1', '--quiet', '--allow', allow, '--out', out]);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    return { result, summary, prometheusRequests: prometheus.requests - before };
  }

  it('a Prometheus outside the policy is never dialled; the report says the policy refused it', async () => {
    const { result, summary, prometheusRequests } = await runWith('127.0.0.1/32');
    expect(result.code).toBe(0);
    expect(summary.totals.requests).toBe(3);
    expect(prometheusRequests).toBe(0);
    expect(summary.targetResources.error).toMatch(/refused by the target policy/);
  }, 60_000);

  it('inside the policy it is asked as before', async () => {
    const { summary, prometheusRequests } = await runWith('127.0.0.0/8');
    expect(prometheusRequests).toBeGreaterThan(0);
    expect(summary.targetResources.error).toBeUndefined();
  }, 60_000);
});
