import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** `if`, `retry` and `loop` against one real server whose answers depend on what each VU did before. */
describe('flow control: conditions, retries and loops', () => {
  let server: TestServer;
  const flaky = new Map<string, number>();
  const jobs = new Map<string, number>();
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const key = url.searchParams.get('key') ?? '';
      if (url.pathname === '/flaky') {
        // Fails `fails` times per key, then answers 200.
        const seen = (flaky.get(key) ?? 0) + 1;
        flaky.set(key, seen);
        return json(res, seen <= Number(url.searchParams.get('fails')) ? 503 : 200, { seen });
      }
      if (url.pathname === '/job') {
        const polls = (jobs.get(key) ?? 0) + 1;
        jobs.set(key, polls);
        return json(res, 200, { state: polls >= 3 ? 'done' : 'pending', polls });
      }
      if (url.pathname === '/missing') return json(res, 404, { error: 'no' });
      return json(res, 200, { ok: true });
    });
  });
  afterAll(() => server.close());

  it('runs a step only when its condition over variables and the last response holds', async () => {
    const summary = await run(
      loadTest(server.url, {
        cond: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 4,
          flow: [
            { set: { even: '${iteration == 0 || iteration == 2}' } },
            { name: 'lookup', request: { url: '/missing' }, check: { statusIn: [200, 404] } },
            { name: 'create', if: 'last.status == 404 && vars.even', request: { url: '/ok' } },
            { name: 'never', if: '${last.ok && last.status >= 500}', request: { url: '/ok' } },
            { group: 'odd', if: '!vars.even', steps: [{ name: 'o', request: { url: '/ok' } }] },
          ],
        },
      }),
    );
    expect(stepOf(summary, 'lookup').requests).toBe(8);
    expect(stepOf(summary, 'create').requests).toBe(4);
    expect(summary.steps.find((s) => s.step === 'never')).toBeUndefined();
    expect(stepOf(summary, 'odd/o').requests).toBe(4);
    expect(summary.totals.failures).toBe(0);
  });

  it('retries chosen statuses with a bounded count; each attempt is a request, only the last can fail', async () => {
    const summary = await run(
      loadTest(server.url, {
        retry: {
          executor: 'per-vu-iterations',
          vus: 3,
          iterations: 1,
          flow: [
            {
              name: 'recovers',
              request: { url: '/flaky?key=a${vu}&fails=2' },
              retry: { max: 3, statuses: [503], backoff: '5ms' },
              check: { status: 200 },
            },
            {
              name: 'gives-up',
              request: { url: '/flaky?key=b${vu}&fails=99' },
              retry: { max: 2, errors: ['http_5xx'], backoff: '5ms', maxBackoff: '5ms' },
            },
          ],
        },
      }),
    );
    const recovers = stepOf(summary, 'recovers');
    // Two 503s then a 200 per VU: three requests each, no failure, checks judged once on the last answer.
    expect(recovers.requests).toBe(9);
    expect(recovers.statuses).toEqual({ '200': 3, '503': 6 });
    expect(recovers.failures).toBe(0);
    expect(recovers.checks).toEqual({ passes: 3, fails: 0 });
    const givesUp = stepOf(summary, 'gives-up');
    expect(givesUp.requests).toBe(9);
    expect(givesUp.errors).toEqual({ http_5xx: 3 });
  });

  it('retries a transport error class too', async () => {
    const port = await closedPort();
    const summary = await run(
      loadTest(server.url, {
        refused: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 1,
          flow: [
            {
              name: 'closed',
              request: { url: `http://127.0.0.1:${port}/x` },
              retry: { max: 2, errors: ['refused'], backoff: '1ms' },
            },
          ],
        },
      }),
    );
    const closed = stepOf(summary, 'closed');
    expect(closed.requests).toBe(3);
    expect(closed.errors).toEqual({ refused: 1 });
  });

  it('loops until a condition holds, and stops at its bound when it never does', async () => {
    const summary = await run(
      loadTest(server.url, {
        poll: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 1,
          flow: [
            {
              group: 'wait',
              loop: { until: "vars.state == 'done'", max: 10 },
              steps: [
                { name: 'job', request: { url: '/job?key=${vu}' }, extract: { state: { json: '$.state' } } },
              ],
            },
            {
              group: 'bounded',
              loop: { until: 'last.status == 201', max: 4 },
              steps: [{ name: 'ok', request: { url: '/ok' } }],
            },
          ],
        },
      }),
    );
    // Each VU's job is done on its third poll.
    expect(stepOf(summary, 'wait/job').requests).toBe(6);
    expect(stepOf(summary, 'bounded/ok').requests).toBe(8);
  });
});
