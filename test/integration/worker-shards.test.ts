import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** Worker threads split the load exactly: shard shares sum to the whole, and merged counts equal the server's. */
describe('worker-thread shards', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('per-vu-iterations and shared-iterations totals are exact across 3 workers', async () => {
    const before = server.requests;
    const summary = await run(
      loadTest(server.url, {
        pervu: {
          executor: 'per-vu-iterations',
          vus: 5,
          iterations: 7,
          flow: [{ name: 'a', request: { url: '/a' } }],
        },
        shared: {
          executor: 'shared-iterations',
          vus: 4,
          iterations: 101,
          flow: [{ name: 'b', request: { url: '/b' } }],
        },
      }),
      3,
    );
    expect(stepOf(summary, 'a').requests).toBe(35);
    expect(stepOf(summary, 'b').requests).toBe(101);
    expect(server.requests - before).toBe(136);
    expect(summary.shards.map((s) => [s.index, s.done])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    expect(summary.generator.threads).toBe(3);
    expect(summary.outcome).toBe('completed');
  });

  it('an open-model rate split over 2 workers still sends the whole rate', async () => {
    const before = server.requests;
    const summary = await run(
      loadTest(server.url, {
        rate: {
          executor: 'constant-arrival-rate',
          rate: 301,
          duration: '2s',
          preAllocatedVUs: 10,
          maxVUs: 200,
          flow: [{ name: 'r', request: { url: '/r' } }],
        },
      }),
      2,
    );
    // The schedule is exact: every one of the 602 due iterations was either sent or counted as dropped
    // (a loaded machine can stall a worker past its VUs; that is what dropped iterations report).
    const sent = stepOf(summary, 'r').requests;
    expect(sent + summary.totals.droppedIterations).toBe(602);
    expect(summary.totals.droppedIterations).toBeLessThanOrEqual(6);
    expect(server.requests - before).toBe(sent);
  });
});
