import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { echo, startWsServer, type TestWsServer } from '../helpers/ws-server.js';

/** Server push interval for the feed: fast enough to count, slow enough to be exact on a busy machine. */
const FEED_INTERVAL_MS = 20;

/** Sessions held open for a duration: interval sends, receive-only feeds, VUs holding connections. */
describe('WebSocket sessions', () => {
  let server: TestWsServer;
  beforeAll(async () => {
    server = await startWsServer((ws: WebSocket, req) => {
      if (req.url?.startsWith('/feed')) {
        // A feed stamped with the server's clock: the client measures delivery latency from `ts`.
        let seq = 0;
        const timer = setInterval(
          () => ws.send(JSON.stringify({ type: 'tick', seq: ++seq, ts: Date.now() })),
          FEED_INTERVAL_MS,
        );
        ws.on('close', () => clearInterval(timer));
        return;
      }
      echo(ws);
    });
  });
  afterAll(() => server.close());

  it('keeps a session open, sends at an interval and times each reply', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 1,
          flow: [
            {
              name: 'heartbeat',
              ws: {
                url: '/hb',
                send: { json: { type: 'ping' } },
                expect: { json: { path: '$.type', equals: 'pong' } },
                session: { duration: '1s', interval: '100ms' },
              },
            },
          ],
        },
      }),
    );
    const step = stepOf(summary, 'heartbeat');
    expect(step.failures).toBe(0);
    // One send at open and one per 100 ms tick before the 1 s end: 10 per session (11 if a tick and the end race).
    const sent = step.ws?.messagesSent ?? 0;
    expect(sent).toBeGreaterThanOrEqual(18);
    expect(sent).toBeLessThanOrEqual(22);
    // A message sent by a tick that races the session end may see its reply after the close: not counted.
    expect(step.latency.count).toBeGreaterThanOrEqual(sent - 2);
    expect(step.latency.count).toBeLessThanOrEqual(sent);
    expect(step.ws?.sessionDuration.minMs).toBeGreaterThanOrEqual(999);
    expect(step.ws?.sessionDuration.maxMs).toBeLessThan(1500);
  });

  it('counts a receive-only feed and measures delivery from the server timestamp', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 3,
          iterations: 1,
          flow: [{ name: 'feed', ws: { url: '/feed', session: { duration: '1s' }, latencyFrom: '$.ts' } }],
        },
      }),
    );
    const step = stepOf(summary, 'feed');
    expect(step.failures).toBe(0);
    expect(step.requests).toBe(3); // three connections, no replies awaited
    const received = step.ws?.messagesReceived ?? 0;
    // 1 s / 20 ms = 50 per session; timers drift late, never early.
    expect(received).toBeGreaterThanOrEqual(3 * 35);
    expect(received).toBeLessThanOrEqual(3 * 51);
    expect(step.ws?.deliveryLatency?.count).toBe(received);
    // Same host, same clock: delivery takes milliseconds, never seconds.
    expect(step.ws?.deliveryLatency?.p99Ms).toBeLessThan(200);
    expect(step.ws?.receivedPerSecond).toBeGreaterThan(0);
  });

  it('closed model: constant VUs each hold one session at a time, reconnecting per iteration', async () => {
    const before = server.connections;
    const summary = await run(
      loadTest(server.httpUrl, {
        hold: {
          executor: 'constant-vus',
          vus: 20,
          duration: '2s',
          flow: [{ name: 'hold', ws: { url: '/hold', session: { duration: '500ms' } } }],
        },
      }),
    );
    const step = stepOf(summary, 'hold');
    expect(step.failures).toBe(0);
    // 20 VUs x about 4 sessions of 500 ms in 2 s; the server never saw more than 20 at once.
    expect(step.ws?.sessions).toBeGreaterThanOrEqual(60);
    expect(step.ws?.sessions).toBeLessThanOrEqual(100);
    expect(server.connections - before).toBe(step.ws?.sessions);
    expect(server.maxOpen).toBeLessThanOrEqual(20 + 3); // the earlier tests' sessions
    expect(summary.scenarios[0]?.peakVUs).toBe(20);
  });

  it('a session longer than the scenario is cut at the hard stop and counted as interrupted', async () => {
    const started = Date.now();
    const summary = await run(
      loadTest(server.httpUrl, {
        long: {
          executor: 'constant-vus',
          vus: 5,
          duration: '500ms',
          gracefulStop: '200ms',
          flow: [{ name: 'long', ws: { url: '/long', session: { duration: '30s' } } }],
        },
      }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(summary.scenarios[0]?.interruptedIterations).toBe(5);
    expect(stepOf(summary, 'long')).toMatchObject({ requests: 5, failures: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(server.open).toBe(0);
  });
});
