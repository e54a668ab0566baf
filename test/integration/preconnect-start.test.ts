import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { ShardRunner } from '../../src/engine/shard-runner.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A real server that counts the connections opened before its first request arrived. */
async function countingTarget() {
  const seen = { before: 0, total: 0, requested: false };
  const server = await startServer((_req, res) => {
    seen.requested = true;
    res.end('ok');
  });
  server.server.on('connection', () => {
    seen.total++;
    if (!seen.requested) seen.before++;
  });
  servers.push(server);
  return { url: server.url, seen };
}

async function runOne(url: string, scenario: Scenario) {
  const runner = new ShardRunner({
    loadTest: loadTest(url, { s: scenario }),
    shard: { index: 0, total: 1 },
    baseDir: '.',
    env: {},
    threads: 1,
  });
  return runner.run(Date.now() + 300);
}

const flow = [{ name: 'get', request: { url: '/' } }];

describe('connections opened before the start instant', () => {
  it('a breakpoint on VU levels opens its first level, not its largest', async () => {
    const { url, seen } = await countingTarget();
    const levels = { unit: 'vus', start: 2, step: 8, max: 10, duration: '1s' };
    await runOne(url, { executor: 'breakpoint', levels, flow } as unknown as Scenario);
    // 2 at the start; the level of 10 VUs opens the other 8 when it begins.
    expect(seen.before).toBe(2);
    expect(seen.total).toBe(10);
  });

  it('an arrival-rate scenario opens its pre-allocated VUs, not its maxVUs', async () => {
    const { url, seen } = await countingTarget();
    const scenario = {
      executor: 'constant-arrival-rate',
      rate: 20,
      duration: '300ms',
      preAllocatedVUs: 3,
      maxVUs: 12,
      flow,
    } as unknown as Scenario;
    await runOne(url, scenario);
    expect(seen.before).toBe(3);
  });
});
