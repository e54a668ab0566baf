import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInput } from '../../src/local/messages.js';
import { WorkerShard } from '../../src/local/shard-host.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

/**
 * A quiet local run (nothing merges live) spares the load thread the cumulative snapshot every second: a
 * worker sends its whole snapshot in its first second and every few seconds after, only the new per-second
 * intervals in between. A shard that dies must still leave its per-second series up to its last second
 * and the totals of its last full snapshot. Real worker thread (dist/), real HTTP server.
 */
const workerUrl = new URL('../../dist/local/worker.js', import.meta.url);
let server: TestServer;

beforeAll(async () => {
  server = await startServer((_req, res) => res.end('ok'));
});
afterAll(() => server.close());

function input(fullSnapshotEverySeconds: number): WorkerInput {
  const lt = loadTest(server.url, {
    open: {
      executor: 'constant-arrival-rate',
      rate: 200,
      duration: '20s',
      preAllocatedVUs: 5,
      flow: [{ name: 'get', request: { url: '/' } }],
    },
  });
  return {
    loadTest: lt,
    shard: { index: 0, total: 1 },
    baseDir: '.',
    env: {},
    threads: 1,
    postgresSetup: false,
    fullSnapshotEverySeconds,
  };
}

/** Runs a shard for `ms`, then ends it at once (as a shard that hangs or dies), and returns what it left. */
async function runThenKill(fullSnapshotEverySeconds: number, ms: number): Promise<ShardSnapshot> {
  const shard = new WorkerShard(0, input(fullSnapshotEverySeconds), workerUrl);
  await shard.ready;
  shard.start(Date.now() + 50);
  await new Promise((r) => setTimeout(r, ms));
  await shard.kill();
  const last = shard.latest();
  if (!last) throw new Error('the shard left no snapshot');
  return last;
}

const requestsIn = (s: ShardSnapshot) => s.intervals.reduce((n, i) => n + i.requests, 0);
const totalOf = (s: ShardSnapshot) => s.steps.reduce((n, st) => n + st.requests, 0);

describe('worker snapshot cadence', () => {
  it('quiet: a killed shard keeps every second it closed and the totals of its last full snapshot', async () => {
    const last = await runThenKill(5, 3_600);
    // Seconds 1, 2 and 3 closed: the series has all of them although only second 1 sent a full snapshot.
    expect(last.intervals.length).toBeGreaterThanOrEqual(3);
    expect(last.intervals.map((i) => i.second).slice(0, 3)).toEqual([1, 2, 3]);
    expect(totalOf(last)).toBeGreaterThan(0);
    // The totals are second 1's: fewer than the series holds, and no more than second 1 plus its edge.
    expect(totalOf(last)).toBeLessThan(requestsIn(last));
    expect(totalOf(last)).toBeLessThanOrEqual((last.intervals[0]?.requests ?? 0) + 5);
  }, 30_000);

  it('live (every second): the totals keep up with the series', async () => {
    const last = await runThenKill(1, 3_600);
    expect(last.intervals.length).toBeGreaterThanOrEqual(3);
    expect(Math.abs(totalOf(last) - requestsIn(last))).toBeLessThanOrEqual(5);
  }, 30_000);
});
