import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** Whatever a manifest asks of one iteration, the run ends on time (one worker: the shard shares this thread). */
describe('iterations honour the stop and maxDuration', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end(`${'a'.repeat(34)}b`));
  });
  afterAll(() => server.close());

  it('bodyMatches "^(a+)+$" against a 35-byte body runs in linear time (RE2), not for ever', async () => {
    const started = Date.now();
    const summary = await run(
      loadTest(server.url, {
        s: {
          executor: 'constant-vus',
          vus: 1,
          duration: '1s',
          flow: [{ name: 'evil', request: { url: '/' }, check: { bodyMatches: '^(a+)+$' } }],
        } as Scenario,
      }),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    const step = stepOf(summary, 'evil');
    expect(step.requests).toBeGreaterThan(10);
    expect(step.checks.fails).toBe(step.requests);
  });

  it('repeat: 100000 nested three deep stops at maxDuration plus gracefulStop', async () => {
    const started = Date.now();
    const summary = await run(
      loadTest(server.url, {
        s: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 1,
          maxDuration: '2s',
          gracefulStop: '1s',
          flow: [
            {
              repeat: 100_000,
              steps: [{ repeat: 100_000, steps: [{ repeat: 100_000, steps: [{ set: { x: 'y' } }] }] }],
            },
          ],
        } as Scenario,
      }),
    );
    // 3 s of plan; generous for a busy machine, far below "never".
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(summary.scenarios[0]?.interruptedIterations).toBe(1);
  });

  it('refuses a pattern RE2 cannot run in linear time (backreference) with its field path', () => {
    const result = validateLoadTest({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'x' },
      spec: {
        target: { baseURL: server.url },
        scenarios: {
          s: {
            executor: 'constant-vus',
            vus: 1,
            duration: '1s',
            flow: [
              { request: { url: '/' }, check: { bodyMatches: '(a)\\1' }, extract: { t: { regex: '(?=x)' } } },
            ],
          },
        },
      },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths).toEqual([
      'spec.scenarios.s.flow[0].extract.t.regex',
      'spec.scenarios.s.flow[0].check.bodyMatches',
    ]);
  });
});
