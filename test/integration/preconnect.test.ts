import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { ShardRunner } from '../../src/engine/shard-runner.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

/** A real HTTP server that notes when each connection was accepted and when the first request came. */
interface Target {
  url: string;
  acceptedAt: number[];
  firstRequestAt: number | undefined;
  requests: number;
  /** Called for each accepted socket; a test may close it. */
  onConnection?: (socket: Socket) => void;
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function startTarget(): Promise<Target> {
  const target: Target = { url: '', acceptedAt: [], firstRequestAt: undefined, requests: 0 };
  const server = await startServer((_req, res) => {
    target.requests++;
    target.firstRequestAt ??= Date.now();
    res.end('ok');
  });
  server.server.on('connection', (socket: Socket) => {
    target.acceptedAt.push(Date.now());
    target.onConnection?.(socket);
  });
  servers.push(server);
  target.url = server.url;
  return target;
}

/** Runs one shard as a worker would: the start instant 400 ms ahead, like the coordinator's start delay. */
async function runShard(url: string, scenario: Scenario) {
  const lt = loadTest(url, { s: scenario });
  const runner = new ShardRunner({
    loadTest: lt,
    shard: { index: 0, total: 1 },
    baseDir: '.',
    env: {},
    threads: 1,
  });
  const startAt = Date.now() + 400;
  const snapshot = await runner.run(startAt);
  return { snapshot, startAt };
}

const get = [{ name: 'get', request: { url: '/' } }];

describe('connections opened before the start instant', () => {
  it('an open model finds one open connection per pre-allocated VU at its start, and opens no more', async () => {
    const target = await startTarget();
    const { snapshot, startAt } = await runShard(target.url, {
      executor: 'constant-arrival-rate',
      rate: 40,
      duration: '1s',
      preAllocatedVUs: 4,
      maxVUs: 8,
      flow: get,
    });
    expect(snapshot.steps[0]?.requests).toBeGreaterThanOrEqual(39);
    expect(snapshot.steps[0]?.failures).toBe(0);
    // All four before the start and before any request; the light rate needed no fifth VU or connection.
    expect(target.acceptedAt).toHaveLength(4);
    for (const at of target.acceptedAt) expect(at).toBeLessThan(startAt);
    expect(target.firstRequestAt).toBeGreaterThanOrEqual(startAt - 5);
  });

  it('a closed model opens one per VU it starts with; a ramp from zero opens none', async () => {
    const closed = await startTarget();
    const { startAt } = await runShard(closed.url, {
      executor: 'constant-vus',
      vus: 3,
      duration: '300ms',
      flow: get,
    });
    expect(closed.acceptedAt.filter((at) => at < startAt)).toHaveLength(3);
    expect(closed.acceptedAt).toHaveLength(3);

    const ramp = await startTarget();
    const r = await runShard(ramp.url, {
      executor: 'ramping-vus',
      stages: [{ duration: '300ms', target: 2 }],
      flow: get,
    });
    expect(ramp.acceptedAt.filter((at) => at < r.startAt)).toHaveLength(0);
  });

  it('a connection the server closes before its first request costs no request', async () => {
    const target = await startTarget();
    // Every connection accepted before the first request is closed at once by the server.
    target.onConnection = (socket) => {
      if (target.firstRequestAt === undefined) setTimeout(() => socket.destroy(), 20);
    };
    const { snapshot, startAt } = await runShard(target.url, {
      executor: 'constant-vus',
      vus: 2,
      duration: '300ms',
      flow: get,
    });
    expect(target.acceptedAt.filter((at) => at < startAt)).toHaveLength(2);
    expect(snapshot.steps[0]?.requests).toBeGreaterThan(2);
    expect(snapshot.steps[0]?.failures).toBe(0);
  });

  it('a flow that sends nothing to the base URL opens nothing there', async () => {
    const base = await startTarget();
    const other = await startTarget();
    await runShard(base.url, {
      executor: 'constant-vus',
      vus: 2,
      duration: '200ms',
      flow: [{ name: 'elsewhere', request: { url: `${other.url}/` } }],
    });
    expect(base.acceptedAt).toHaveLength(0);
    expect(other.requests).toBeGreaterThan(0);
  });
});
