import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** An open model never waits for a free VU: iterations that find none are dropped and counted. */
describe('dropped iterations', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      setTimeout(() => res.end('slow'), 200);
    });
  });
  afterAll(() => server.close());

  it('ramping-arrival-rate with too few VUs drops the excess, and sent + dropped equals the schedule', async () => {
    const summary = await run(
      loadTest(server.url, {
        ramp: {
          executor: 'ramping-arrival-rate',
          startRate: 50,
          stages: [{ duration: '2s', target: 50 }],
          preAllocatedVUs: 2,
          maxVUs: 4,
          flow: [{ name: 'slow', request: { url: '/' } }],
        },
      }),
    );
    const scenario = summary.scenarios[0];
    const sent = stepOf(summary, 'slow').requests;
    // 4 VUs x 200 ms each: about 20 iterations/s can run out of the 50/s scheduled.
    expect(sent + (scenario?.droppedIterations ?? 0)).toBe(100);
    expect(scenario?.droppedIterations).toBeGreaterThan(40);
    expect(scenario?.peakVUs).toBe(4);
    // The summary keeps the gap between latency (from schedule) and service time honest: no iteration waited.
    expect(stepOf(summary, 'slow').latency.p50Ms).toBeLessThan(260);
  });
});
