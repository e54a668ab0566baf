import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** A server that answers after exactly 20 ms: the truth the generator's numbers are held to. */
describe('latency accuracy against a fixed 20 ms server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      // Node timers may fire up to a millisecond early; re-arm until 20 ms have really passed.
      const dueMs = performance.now() + 20;
      const answer = () => {
        const leftMs = dueMs - performance.now();
        if (leftMs > 0) setTimeout(answer, leftMs);
        else res.end('ok');
      };
      answer();
    });
  });
  afterAll(() => server.close());

  it('reports p50 between 20 and 23 ms at moderate load', async () => {
    const summary = await run(
      loadTest(server.url, {
        steady: {
          executor: 'constant-vus',
          vus: 10,
          duration: '4s',
          flow: [{ name: 'fixed', request: { url: '/' } }],
        },
      }),
    );
    const step = stepOf(summary, 'fixed');
    expect(step.requests).toBeGreaterThan(1000);
    expect(step.failures).toBe(0);
    expect(step.latency.p50Ms).toBeGreaterThanOrEqual(20);
    expect(step.latency.p50Ms).toBeLessThanOrEqual(23);
    expect(step.latency.minMs).toBeGreaterThanOrEqual(20);
    expect(summary.latencyModel).toBe('closed');
    // Every request the generator counted reached the server.
    expect(server.requests).toBe(step.requests);
  });
});
