import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

const PROMTOOL_HINT =
  'promtool is missing: install it with `apt-get install -y prometheus` (Debian ships promtool in it)';

function promtool(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(PROMTOOL_HINT);
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || 'promtool failed';
  }
}

/** A real runner process: its /metrics carries the step's custom metrics, one family per type, lint-clean. */
describe('runner /metrics with custom metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      n++;
      res.setHeader('x-queue-position', String(n % 5));
      res.setHeader('x-cache', n % 2 ? 'HIT' : 'MISS');
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('exports counter, rate and trend series labelled by metric, scenario and step', async () => {
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
          metadata: { name: 'custom' },
          spec: {
            target: { baseURL: server.url },
            scenarios: {
              s: {
                executor: 'constant-vus',
                vus: 1,
                duration: '3s',
                flow: [
                  {
                    name: 'queue',
                    request: { url: '/' },
                    extract: { position: { header: 'x-queue-position' }, cache: { header: 'x-cache' } },
                    metrics: [
                      { name: 'queue_position', type: 'trend', value: '${vars.position}' },
                      { name: 'enqueued', type: 'counter', value: '1' },
                      { name: 'cache_hits', type: 'rate', value: "${vars.cache == 'HIT'}" },
                    ],
                    think: { constant: '20ms' },
                  },
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
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt: Date.now() }) });
    await new Promise((r) => setTimeout(r, 1500));
    const text = await (await fetch(`${base}/metrics`)).text();
    const labels = 'scenario="s",step="queue",metric';
    expect(text).toMatch(
      new RegExp(`stampede_custom_value_total\\{${labels}="enqueued",loadtest="custom"\\} [1-9]\\d*`),
    );
    expect(text).toMatch(
      new RegExp(
        `stampede_custom_rate_total\\{${labels}="cache_hits",result="true",loadtest="custom"\\} [1-9]\\d*`,
      ),
    );
    expect(text).toMatch(
      new RegExp(`stampede_custom_trend\\{${labels}="queue_position",quantile="0.99",loadtest="custom"\\} 4`),
    );
    expect(text).toMatch(
      new RegExp(`stampede_custom_trend_count\\{${labels}="queue_position",loadtest="custom"\\} [1-9]`),
    );
    expect(promtool(text)).toBe('');
    await exited;
  }, 30_000);
});
