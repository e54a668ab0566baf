import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistogram, latencyStats } from '../../src/metrics/histogram.js';
import { type FixedLatencyServer, startFixedLatencyServer } from '../helpers/fixed-latency-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/**
 * A server that answers after 20 ms and records how long it really held each request: Node timers are only
 * good to about a millisecond, so the truth the generator is held to is the server's own record. The
 * server has its own thread (test/helpers/fixed-latency-server.ts), as a real target has its own machine.
 */
describe('latency accuracy against a fixed 20 ms server', () => {
  let server: FixedLatencyServer;
  beforeAll(async () => {
    server = await startFixedLatencyServer(20);
  });
  afterAll(() => server.close());

  it('reports p50 within 3 ms of the truth and between 20 and 23 ms; p99 within 3 ms', async () => {
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

    const stats = await server.stats();
    const held = createHistogram();
    for (const ms of stats.held) held.recordValue(Math.round(ms * 1000));
    const truth = latencyStats(held);
    const seen = `generator p50 ${step.latency.p50Ms} p99 ${step.latency.p99Ms} ms; server p50 ${truth.p50Ms} p99 ${truth.p99Ms} ms`;
    expect(step.requests).toBeGreaterThan(2000);
    expect(step.failures).toBe(0);
    expect(truth.p50Ms).toBeGreaterThanOrEqual(20);
    expect(step.latency.p50Ms).toBeGreaterThanOrEqual(20);
    expect(step.latency.p50Ms).toBeLessThanOrEqual(23);
    expect(Math.abs(step.latency.p50Ms - truth.p50Ms), seen).toBeLessThanOrEqual(3);
    // The bar for the tail is 3 ms; on a quiet 2-core machine the generator adds about 1.4 ms at p99.
    expect(Math.abs(step.latency.p99Ms - truth.p99Ms), seen).toBeLessThanOrEqual(3);
    // Never below what the server really took: the generator cannot report less than the truth.
    expect(step.latency.minMs).toBeGreaterThanOrEqual(20);
    expect(summary.latencyModel).toBe('closed');
    // Every request the generator counted reached the server.
    expect(stats.requests).toBe(step.requests);
  }, 30_000);
});
