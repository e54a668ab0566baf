import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

describe('a load test against an HTTPS target that requires client certificates', () => {
  let certs: TestCerts;
  let server: Server;
  let url: string;
  const clients = new Set<string>();
  beforeAll(async () => {
    certs = makeTestCerts();
    server = createServer(
      {
        cert: certs.serverCert,
        key: certs.serverKey,
        ca: certs.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        clients.add(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
        res.setHeader('content-type', 'application/json');
        res.end('{"token":"t-1","items":[{"id":7}]}');
      },
    );
    // wss on the same mutual-TLS server: WebSocket steps present the same client certificate.
    new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    certs.remove();
  });

  const scenario = {
    executor: 'per-vu-iterations' as const,
    vus: 2,
    iterations: 5,
    flow: [
      { name: 'login', request: { url: '/login' }, check: { status: 200, json: [{ path: '$.token' }] } },
    ],
  };

  it('runs with caFile, certFile and keyFile and reports every request', async () => {
    const tls = { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
    const summary = await run(loadTest(url, { s: scenario }, { target: { baseURL: url, tls } }));
    expect(summary.outcome).toBe('completed');
    const step = stepOf(summary, 'login');
    expect(step.requests).toBe(10);
    expect(step.errors).toEqual({});
    expect(clients).toEqual(new Set(['stampede-runner']));
  });

  it('WebSocket steps (wss) present the same client certificate', async () => {
    const tls = { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
    const ws = {
      executor: 'per-vu-iterations' as const,
      vus: 2,
      iterations: 2,
      flow: [{ name: 'echo', ws: { url: '/ws', send: { text: 'ping' }, expect: { text: 'ping' } } }],
    };
    const summary = await run(loadTest(url, { ws }, { target: { baseURL: url, tls } }));
    const step = stepOf(summary, 'echo');
    expect(step.ws?.sessions).toBe(4);
    expect(step).toMatchObject({ failures: 0 });
  });

  it('without the client certificate every request fails as a TLS error, and the report still comes', async () => {
    const summary = await run(
      loadTest(url, { s: scenario }, { target: { baseURL: url, tls: { caFile: certs.caFile } } }),
    );
    expect(summary.outcome).toBe('completed');
    const step = stepOf(summary, 'login');
    const classes = Object.keys(step.errors);
    expect(classes.length).toBeGreaterThan(0);
    expect(classes.every((c) => c === 'tls' || c === 'reset')).toBe(true);
  });
});
