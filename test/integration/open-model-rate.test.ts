import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

describe('open-model rate accuracy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('sends 5,000 requests ±1% at 500 req/s for 10 s', async () => {
    const summary = await run(
      loadTest(server.url, {
        rate: {
          executor: 'constant-arrival-rate',
          rate: 500,
          duration: '10s',
          preAllocatedVUs: 20,
          maxVUs: 100,
          flow: [{ name: 'get', request: { url: '/' } }],
        },
      }),
    );
    const step = stepOf(summary, 'get');
    expect(step.requests).toBeGreaterThanOrEqual(4950);
    expect(step.requests).toBeLessThanOrEqual(5050);
    expect(summary.totals.droppedIterations).toBe(0);
    expect(server.requests).toBe(step.requests);
    expect(summary.latencyModel).toBe('open');
    // Open models keep schedule lag and service time apart from latency.
    expect(summary.scenarios[0]?.scheduleLag?.count).toBe(step.requests);
    expect(step.serviceTime?.count).toBe(step.requests);
  });
});
