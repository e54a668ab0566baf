import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { promtool } from '../helpers/promtool.js';
import { startRunnerProcess } from '../helpers/runner-process.js';

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
    const runner = await startRunnerProcess(
      {
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
      },
      {
        env: { STAMPEDE_LINGER_SECONDS: '0' },
        readyTries: 50,
        killAfterMs: 30_000,
      },
    );
    const { base } = runner;
    await runner.start();
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
    await runner.exited;
    runner.done();
  }, 30_000);
});
