import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

describe('transport errors are counted by class, and the run completes with its report', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/hang') return; // never answers: the client must time out
      if (req.url === '/reset') return req.socket.destroy();
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('classifies refused, timeout and reset', async () => {
    const port = await closedPort();
    const summary = await run(
      loadTest(server.url, {
        errs: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 2,
          flow: [{ name: 'refused', request: { url: `http://127.0.0.1:${port}/x` } }],
        },
        hang: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'hang', request: { url: '/hang', timeout: '300ms' } }],
        },
        reset: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'reset', request: { url: '/reset' } }],
        },
      }),
    );
    expect(summary.outcome).toBe('completed');
    expect(stepOf(summary, 'refused').errors).toEqual({ refused: 4 });
    expect(stepOf(summary, 'hang').errors).toEqual({ timeout: 2 });
    expect(stepOf(summary, 'reset').errors).toEqual({ reset: 2 });
    expect(summary.totals.failures).toBe(8);
    expect(summary.errors.byClass).toMatchObject({ refused: 4, timeout: 2, reset: 2 });
  });
});
