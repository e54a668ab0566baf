import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { closedPort } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { echo, startWsServer, type TestWsServer } from '../helpers/ws-server.js';

/** WebSocket failures land in their own classes, with samples, and the run goes on. */
describe('WebSocket faults', () => {
  let server: TestWsServer;
  let refusing: TestWsServer;
  beforeAll(async () => {
    server = await startWsServer((ws: WebSocket, req) => {
      const path = req.url ?? '';
      // Closes mid-session with "internal error", as a crashing backend would.
      if (path.startsWith('/drop')) setTimeout(() => ws.close(1011, 'backend gone'), 200);
      else if (path.startsWith('/wrong')) ws.on('message', () => ws.send(JSON.stringify({ type: 'error' })));
      else if (path.startsWith('/silent')) ws.on('message', () => undefined);
      else echo(ws);
    });
    refusing = await startWsServer(() => undefined, { refuseWith: 403 });
  });
  afterAll(async () => {
    await server.close();
    await refusing.close();
  });

  it('a server that closes mid-session is counted as ws_close and the flow goes on', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 2,
          flow: [
            { name: 'dropped', ws: { url: '/drop', session: { duration: '2s' } } },
            { name: 'after', ws: { url: '/ok', send: { text: 'ping' }, expect: { text: 'pong' } } },
          ],
        },
      }),
    );
    const dropped = stepOf(summary, 'dropped');
    expect(dropped.errors).toEqual({ ws_close: 4 });
    expect(dropped.ws?.sessions).toBe(4);
    // The session ended when the server closed it, not at its planned 2 s.
    expect(dropped.ws?.sessionDuration.maxMs).toBeLessThan(1000);
    expect(stepOf(summary, 'after')).toMatchObject({ requests: 8, failures: 0 });
    expect(summary.errors.byClass.ws_close).toBe(4);
    expect(summary.errors.samples.find((e) => e.class === 'ws_close')?.message).toBe(
      'server closed the connection with 1011 (server error) "backend gone"',
    );
  });

  it('a refused handshake is ws_handshake, a closed port is refused; both end the iteration', async () => {
    const port = await closedPort();
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 3,
          flow: [
            { name: 'forbidden', ws: { url: `${refusing.url}/x` } },
            { name: 'never', ws: { url: '/ok' } },
          ],
        },
        t: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'closed-port', ws: { url: `ws://127.0.0.1:${port}/x`, connectTimeout: '2s' } }],
        },
      }),
    );
    expect(stepOf(summary, 'forbidden').errors).toEqual({ ws_handshake: 3 });
    expect(summary.errors.samples.find((e) => e.class === 'ws_handshake')?.message).toBe(
      'Unexpected server response: 403',
    );
    expect(summary.steps.find((s) => s.step === 'never')).toBeUndefined();
    expect(stepOf(summary, 'closed-port').errors).toEqual({ refused: 2 });
  });

  it('a reply that does not match is ws_mismatch; no reply in time is timeout', async () => {
    const summary = await run(
      loadTest(server.httpUrl, {
        s: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 2,
          flow: [
            {
              name: 'wrong',
              ws: {
                url: '/wrong',
                send: { json: { type: 'ping' } },
                expect: { json: { path: '$.type', equals: 'pong' } },
                messages: 3,
              },
            },
            {
              name: 'silent',
              ws: { url: '/silent', send: { text: 'hello' }, expect: { any: true }, replyTimeout: '200ms' },
            },
          ],
        },
      }),
    );
    // The first mismatch ends the exchange: one failed round trip per connection, the rest never sent.
    expect(stepOf(summary, 'wrong')).toMatchObject({
      requests: 2 + 2,
      failures: 2,
      errors: { ws_mismatch: 2 },
    });
    expect(stepOf(summary, 'wrong').ws?.messagesSent).toBe(2);
    expect(summary.errors.samples.find((e) => e.class === 'ws_mismatch')?.message).toBe(
      'reply did not match $.type == "pong": {"type":"error"}',
    );
    expect(stepOf(summary, 'silent')).toMatchObject({ requests: 4, failures: 2, errors: { timeout: 2 } });
    expect(summary.errors.samples.find((e) => e.class === 'timeout')?.message).toBe(
      'no reply matching any message within 200ms',
    );
  });
});
