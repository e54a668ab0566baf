/**
 * A request the client gave up waiting for (the request timeout) is a latency of at least the timeout, so it
 * reaches the percentiles and the thresholds; a refused connection is not (its fraction of a millisecond
 * would make a dead target look fast). The real engine against a real local server started here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

const TIMEOUT_MS = 300;

describe('timed-out requests count in the latency figures at the time waited', () => {
  let server: TestServer;
  let calls = 0;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/hang') return; // never answers: every request times out
      // Every other request answers only long after the client's request timeout.
      if (calls++ % 2 === 1) setTimeout(() => res.end('late'), 5 * TIMEOUT_MS).unref();
      else res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('half the requests time out: p95 and max sit at the timeout and a p(95) threshold fails', async () => {
    const summary = await run(
      loadTest(
        server.url,
        {
          s: {
            executor: 'per-vu-iterations',
            vus: 2,
            iterations: 6,
            flow: [{ name: 'half', request: { url: '/', timeout: `${TIMEOUT_MS}ms` } }],
          },
        },
        { thresholds: { http_req_duration: [`p(95)<${TIMEOUT_MS - 50}ms`] } },
      ),
    );
    const half = stepOf(summary, 'half');
    expect(half.requests).toBe(12);
    expect(half.errors).toEqual({ timeout: 6 });
    // Every request, answered or not, has its latency; the timed-out half at about the timeout.
    expect(half.latency.count).toBe(12);
    expect(half.latency.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.99);
    expect(half.latency.maxMs).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.99);
    expect(half.latency.maxMs).toBeLessThan(TIMEOUT_MS + 500);
    expect(half.latency.p50Ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(summary.latency.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.99);
    expect(summary.thresholds[0]).toMatchObject({ passed: false });
    expect(summary.verdict).toBe('failed');
  });

  it('retried attempts: each timed-out attempt is a request with its latency; refused ones have none', async () => {
    const port = await closedPort();
    const retry = {
      max: 1,
      errors: ['timeout' as const, 'refused' as const],
      backoff: '5ms',
      maxBackoff: '5ms',
    };
    const summary = await run(
      loadTest(server.url, {
        hang: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'hang', request: { url: '/hang', timeout: `${TIMEOUT_MS}ms` }, retry }],
        },
        down: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'down', request: { url: `http://127.0.0.1:${port}/x` }, retry }],
        },
      }),
    );
    const hang = stepOf(summary, 'hang');
    expect(hang).toMatchObject({ requests: 4, failures: 2, errors: { timeout: 2 } });
    expect(hang.latency.count).toBe(4);
    expect(hang.latency.minMs).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.99);
    const down = stepOf(summary, 'down');
    expect(down).toMatchObject({ requests: 4, failures: 2, errors: { refused: 2 } });
    expect(down.latency.count).toBe(0);
  });
});
