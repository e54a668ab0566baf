import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { echo, startWsServer, type TestWsServer } from '../helpers/ws-server.js';

/** Request/reply WebSocket steps against a real `ws` echo server: what is sent, matched, timed and counted. */
describe('WebSocket request/reply steps', () => {
  let server: TestWsServer;
  const received: { text: string; binary: boolean }[] = [];
  beforeAll(async () => {
    server = await startWsServer(
      (ws: WebSocket) => {
        ws.on('message', (data: Buffer, isBinary: boolean) =>
          received.push({ text: isBinary ? data.toString('hex') : data.toString(), binary: isBinary }),
        );
        echo(ws);
      },
      { handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false) },
    );
  });
  afterAll(() => server.close());

  it('sends templated JSON, matches replies by a JSON field and times every round trip', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        chat: {
          executor: 'per-vu-iterations',
          vus: 3,
          iterations: 2,
          flow: [
            {
              name: 'pingpong',
              ws: {
                url: '/chat?vu=${vu}',
                headers: { authorization: 'Bearer t-${vu}' },
                subprotocols: ['chat.v2'],
                send: { json: { type: 'ping', vu: '${vu}', it: '${iteration}' } },
                expect: { json: { path: '$.type', equals: 'pong' } },
                messages: 4,
                latencyFrom: '$.ts',
              },
            },
          ],
        },
      }),
    );
    const step = stepOf(summary, 'pingpong');
    expect(step.protocol).toBe('ws');
    expect(step.failures).toBe(0);
    // 6 connections, each 4 round trips: requests count connection attempts plus replies awaited.
    expect(step.requests).toBe(6 + 24);
    expect(step.latency.count).toBe(24);
    expect(step.latency.p50Ms).toBeGreaterThan(0);
    expect(step.ws).toMatchObject({ sessions: 6, messagesSent: 24, messagesReceived: 24 });
    expect(step.ws?.connectTime.count).toBe(6);
    expect(step.ws?.sessionDuration.count).toBe(6);
    expect(step.ws?.deliveryLatency?.count).toBe(24);
    expect(step.latency.count).toBe(24);
    // The handshake carried the templated path and headers and agreed on the subprotocol.
    expect(server.requests.map((r) => r.url).sort()).toEqual(
      ['/chat?vu=1', '/chat?vu=1', '/chat?vu=2', '/chat?vu=2', '/chat?vu=3', '/chat?vu=3'].sort(),
    );
    expect(server.requests.every((r) => r.headers.authorization === `Bearer t-${r.url?.slice(-1)}`)).toBe(
      true,
    );
    expect(server.requests.every((r) => r.headers['sec-websocket-protocol'] === 'chat.v2')).toBe(true);
    const sent = received.map((m) => JSON.parse(m.text) as { type: string; vu: number; it: number });
    expect(sent).toHaveLength(24);
    // A template that is one expression keeps its type.
    expect(sent.every((m) => m.type === 'ping' && typeof m.vu === 'number')).toBe(true);
    expect(new Set(sent.map((m) => `${m.vu}/${m.it}`)).size).toBe(6);
  });

  it('matches text replies and sends binary frames from base64', async () => {
    received.length = 0;
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [
            {
              name: 'text',
              ws: { url: `${server.url}/t`, send: { text: 'ping' }, expect: { text: 'pong' } },
            },
            {
              name: 'bytes',
              ws: {
                url: `${server.url}/b`,
                send: { binary: 'AAEC/w==' },
                expect: { any: true },
                messages: 3,
              },
            },
          ],
        },
      }),
    );
    expect(stepOf(summary, 'text')).toMatchObject({ requests: 4, failures: 0 });
    expect(stepOf(summary, 'bytes')).toMatchObject({ requests: 2 + 6, failures: 0 });
    expect(stepOf(summary, 'bytes').ws?.messagesReceived).toBe(6);
    expect(received.filter((m) => m.binary).map((m) => m.text)).toEqual(Array(6).fill('000102ff'));
    expect(received.filter((m) => !m.binary).map((m) => m.text)).toEqual(['ping', 'ping']);
  });

  it('without expect sends and closes; a connect-only step just opens and closes', async () => {
    const before = server.connections;
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'shared-iterations',
          vus: 2,
          iterations: 10,
          flow: [
            { name: 'fire', ws: { url: '/f', send: { text: 'hello ${iteration}' }, messages: 2 } },
            { name: 'connect', ws: { url: '/c' } },
          ],
        },
      }),
    );
    expect(stepOf(summary, 'fire')).toMatchObject({ requests: 10, failures: 0 });
    expect(stepOf(summary, 'fire').ws).toMatchObject({ sessions: 10, messagesSent: 20 });
    expect(stepOf(summary, 'connect')).toMatchObject({ requests: 10, failures: 0 });
    expect(stepOf(summary, 'connect').latency.count).toBe(0);
    expect(server.connections - before).toBe(20);
    // Every session was closed cleanly, by us.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.open).toBe(0);
  });
});
