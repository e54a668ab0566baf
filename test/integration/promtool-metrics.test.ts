import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../src/controller/metrics.js';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { promtool } from '../helpers/promtool.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

describe('Prometheus exposition passes promtool check metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('the runner /metrics, mid-run, with a request-duration histogram derived from HDR', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        ...controlEnv,
        STAMPEDE_LINGER_SECONDS: '0',
        STAMPEDE_LOADTEST: JSON.stringify({
          apiVersion: 'stampede.dev/v1alpha1',
          kind: 'LoadTest',
          metadata: { name: 'prom' },
          spec: {
            target: { baseURL: server.url },
            scenarios: {
              s: {
                executor: 'constant-vus',
                vus: 2,
                duration: '3s',
                flow: [
                  { name: 'ok', request: { url: '/' }, check: { status: 200 }, think: { constant: '10ms' } },
                  { name: 'missing', request: { url: '/missing' } },
                ],
              },
            },
          },
        }),
      },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt: Date.now() }) });
    await new Promise((r) => setTimeout(r, 1500));
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /stampede_request_duration_seconds_bucket\{scenario="s",step="ok",protocol="http",le="0\.005",loadtest="prom"\} \d+/,
    );
    expect(text).toMatch(
      /stampede_requests_total\{scenario="s",step="missing",protocol="http",status_class="4xx",loadtest="prom"\} \d+/,
    );
    expect(text).toMatch(/stampede_checks_total\{scenario="s",step="ok",result="pass",loadtest="prom"\} \d+/);
    expect(promtool(text)).toBe('');
    await exited;
  }, 30_000);

  it('the controller /metrics, with exact merged percentiles per load test', async () => {
    const metrics = new ControllerMetrics();
    metrics.reconciles.inc({ result: 'ok' });
    metrics.reconcileSeconds.observe(0.02);
    metrics.record('perf/checkout', {
      phase: 'Running',
      p50Ms: 12.5,
      p95Ms: 40.1,
      p99Ms: 80,
      rps: 950,
      errorRate: 0.001,
      runners: { desired: 3, ready: 3, running: 3, finished: 0, lost: 0, display: '3/3' },
    });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /stampede_loadtest_latency_p95_seconds\{namespace="perf",loadtest="checkout"\} 0\.0401/,
    );
    expect(text).toMatch(/stampede_loadtests\{phase="Running"\} 1/);
    expect(promtool(text)).toBe('');
  });
});
