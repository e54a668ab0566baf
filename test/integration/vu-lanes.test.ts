import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import type { Shard } from '../../src/engine/shard.js';
import { ShardRunner } from '../../src/engine/shard-runner.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

/** What a real HTTP server saw: for each connection, the VUs (`scenario/vu`) that sent on it. */
interface Target {
  url: string;
  vusBySocket: Map<Socket, Set<string>>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Answers after 10 ms, so a closed-model VU's requests overlap with the others'. */
async function startTarget(): Promise<Target> {
  const vusBySocket = new Map<Socket, Set<string>>();
  const server = await startServer((req, res) => {
    const vus = vusBySocket.get(req.socket) ?? new Set<string>();
    vusBySocket.set(req.socket, vus);
    vus.add(`${req.headers['x-scenario']}/${req.headers['x-vu']}`);
    setTimeout(() => res.end('ok'), 10);
  });
  servers.push(server);
  return { url: server.url, vusBySocket };
}

const constantVus = (vus: number): Scenario =>
  ({
    executor: 'constant-vus',
    vus,
    duration: '300ms',
    flow: [{ name: 'get', request: { url: '/', headers: { 'x-vu': '${vu}', 'x-scenario': '${scenario}' } } }],
  }) as Scenario;

/**
 * 2 VUs, then 3, on 5 shards: shard 2 runs 1 VU while the target is 2 (its share of 3 is 0) and shard 3
 * runs 1 once it is 3.
 */
const rampThrough2To3 = {
  executor: 'ramping-vus',
  stages: [
    { duration: '100ms', target: 2 },
    { duration: '200ms', target: 2 },
    { duration: '50ms', target: 3 },
    { duration: '200ms', target: 3 },
  ],
  flow: constantVus(1).flow,
} as Scenario;

/** Runs these shards of one LoadTest in this process, all from the same start instant. */
async function runShards(url: string, scenarios: Record<string, Scenario>, shards: Shard[]) {
  const lt = loadTest(url, scenarios);
  const startAt = Date.now() + 300;
  const runners = shards.map(
    (shard) => new ShardRunner({ loadTest: lt, shard, baseDir: '.', env: {}, threads: 1 }),
  );
  const snapshots = await Promise.all(runners.map((r) => r.run(startAt)));
  for (const s of snapshots) for (const step of s.steps) expect(step.failures).toBe(0);
}

/** Every VU that sent a request, and whether each connection carried only one VU's requests. */
function seen(target: Target) {
  const perSocket = [...target.vusBySocket.values()];
  return {
    vus: perSocket.flatMap((vus) => [...vus]).sort(),
    oneVuPerSocket: perSocket.every((vus) => vus.size === 1),
  };
}

describe('VU ids and connection lanes across scenarios', () => {
  it('two closed-model scenarios on one shard: each VU has its own connection and an id of its own', async () => {
    const target = await startTarget();
    await runShards(target.url, { a: constantVus(3), b: constantVus(2) }, [{ index: 0, total: 1 }]);
    const { vus, oneVuPerSocket } = seen(target);
    // One connection per VU (the shard opens one per VU): no VU's request queued behind another's.
    expect(target.vusBySocket.size).toBe(5);
    expect(oneVuPerSocket).toBe(true);
    expect(vus).toEqual(['a/1', 'a/2', 'a/3', 'b/4', 'b/5']);
  });

  it('ids follow scenarios, then shards; connections stay one per VU on every shard', async () => {
    const target = await startTarget();
    const shards = [0, 1].map((index) => ({ index, total: 2 }));
    await runShards(target.url, { a: constantVus(4), b: constantVus(6) }, shards);
    const { vus, oneVuPerSocket } = seen(target);
    expect(target.vusBySocket.size).toBe(10);
    expect(oneVuPerSocket).toBe(true);
    // a: shard 0 has ids 1-2, shard 1 ids 3-4; b: shard 0 has 5-7, shard 1 8-10.
    const expected = [1, 2, 3, 4].map((id) => `a/${id}`).concat([5, 6, 7, 8, 9, 10].map((id) => `b/${id}`));
    expect(vus).toEqual(expected.sort());
  });

  it('a ramp whose shard runs more VUs mid-ramp than at its peak: ids and connections stay its own', async () => {
    const target = await startTarget();
    const shards = [2, 3].map((index) => ({ index, total: 5 }));
    await runShards(target.url, { a: rampThrough2To3, b: constantVus(5) }, shards);
    const { vus, oneVuPerSocket } = seen(target);
    // a's maxVUs per shard are 0,1,1,1,1 (shard 2's VU at 2 counts), so a has ids 1-4 and b 5-9. Planned
    // from the share of the peak (0 on shard 2), shard 2's VU took shard 3's id 2 and b's connection.
    expect(oneVuPerSocket).toBe(true);
    expect(vus).toEqual(['a/2', 'a/3', 'b/7', 'b/8']);
  });
});
