import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { echo, startWsServer, type TestWsServer } from '../helpers/ws-server.js';

/**
 * A connection storm is an open model with one WebSocket step per iteration: new connections arrive at a
 * fixed rate whatever the server does, split exactly over worker threads, and merged without loss.
 */
describe('WebSocket connection storm (constant-arrival-rate)', () => {
  let server: TestWsServer;
  beforeAll(async () => {
    server = await startWsServer((ws: WebSocket) => echo(ws));
  });
  afterAll(() => server.close());

  it('opens connections at the planned rate over two workers, each doing one round trip', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        storm: {
          executor: 'constant-arrival-rate',
          rate: 100,
          timeUnit: '1s',
          duration: '2s',
          preAllocatedVUs: 20,
          maxVUs: 100,
          flow: [
            {
              name: 'connect',
              ws: { url: '/storm', send: { text: 'ping' }, expect: { text: 'pong' } },
            },
          ],
        },
      }),
      2,
    );
    const step = stepOf(summary, 'connect');
    const scenario = summary.scenarios[0];
    // 100/s for 2 s: iterations 0..199 are due, striped over the two workers; none dropped on loopback.
    expect(scenario?.droppedIterations).toBe(0);
    expect(scenario?.iterations).toBe(200);
    expect(step.ws?.sessions).toBe(200);
    expect(step).toMatchObject({ requests: 400, failures: 0 });
    expect(step.ws?.connectTime.count).toBe(200);
    expect(step.latency.count).toBe(200);
    expect(server.connections).toBe(200);
    expect(summary.shards.map((s) => s.requests)).toEqual([200, 200]);
  });
});
