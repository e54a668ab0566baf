import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

/** What the target saw: requests, the most in flight at once, and which VUs sent them. */
const seen = { requests: 0, inFlight: 0, maxInFlight: 0, vus: new Set<string>() };

const scenario = (vus: number, iterations: number): Scenario =>
  ({
    executor: 'shared-iterations',
    vus,
    iterations,
    flow: [{ name: 'get', request: { url: '/', headers: { 'x-vu': '${vu}' } } }],
  }) as Scenario;

/** shared-iterations over worker shards runs `vus` VUs at once in all, not one per shard. */
describe('shared-iterations across worker shards', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      seen.requests++;
      seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
      seen.vus.add(String(req.headers['x-vu']));
      // Held for 5 ms, so requests from a second VU would overlap this one.
      setTimeout(() => {
        seen.inFlight--;
        res.end('ok');
      }, 5);
    });
  });
  afterAll(() => server.close());
  const reset = () => Object.assign(seen, { requests: 0, inFlight: 0, maxInFlight: 0, vus: new Set() });

  it('vus 1 over 3 workers stays serial: never two requests in flight, exactly 20 requests', async () => {
    reset();
    const summary = await run(loadTest(server.url, { s: scenario(1, 20) }), 3);
    expect(seen.requests).toBe(20);
    expect(seen.maxInFlight).toBe(1);
    expect([...seen.vus]).toEqual(['1']);
    expect(summary.scenarios[0]?.iterations).toBe(20);
    expect(summary.scenarios[0]?.peakVUs).toBe(1);
    expect(summary.scenarios[0]?.plan).toMatch(/^20 iterations shared by 1 VUs/);
    expect(summary.outcome).toBe('completed');
  });

  it('vus 2 over 3 workers: at most 2 in flight, VUs 1 and 2, exactly 31 requests', async () => {
    reset();
    const summary = await run(loadTest(server.url, { s: scenario(2, 31) }), 3);
    expect(seen.requests).toBe(31);
    expect(seen.maxInFlight).toBeLessThanOrEqual(2);
    expect([...seen.vus].sort()).toEqual(['1', '2']);
    expect(summary.scenarios[0]?.peakVUs).toBe(2);
    expect(summary.outcome).toBe('completed');
  });
});
