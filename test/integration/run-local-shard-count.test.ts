/**
 * runLocal guards the shard-count rule itself, not only `stampede run`: a library caller asking for more
 * workers than an open-model scenario has VUs gets the CLI's error before any load, not a run in which the
 * workers without a VU silently drop every iteration they own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

const checkout = (maxVUs: number) =>
  ({
    executor: 'constant-arrival-rate',
    rate: 10,
    duration: '1s',
    preAllocatedVUs: 1,
    maxVUs,
    flow: [{ name: 'buy', request: { url: '/' } }],
  }) as unknown as Scenario;

describe('runLocal with more workers than an open-model scenario has VUs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('throws the field path and the counts, and sends nothing', async () => {
    const lt = loadTest(server.url, {
      checkout: checkout(2),
      steady: {
        executor: 'constant-vus',
        vus: 1,
        duration: '1s',
        flow: [{ request: { url: '/' } }],
      } as unknown as Scenario,
    });
    const before = server.requests;
    await expect(run(lt, 3)).rejects.toThrow(
      'LoadTest test cannot run on 3 workers:\n  - spec.scenarios.checkout.maxVUs: 2 VUs cannot be split over 3 workers; give at least 3 or lower --workers',
    );
    expect(server.requests).toBe(before);
  });

  it('runs on as many workers as the scenario has VUs (the boundary is allowed)', async () => {
    const summary = await run(loadTest(server.url, { checkout: checkout(2) }), 2);
    expect(summary.outcome).toBe('completed');
    expect(summary.totals.requests).toBeGreaterThan(0);
  });
});
