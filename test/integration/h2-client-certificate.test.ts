/**
 * The own HTTP/2 client against a node:http2 server that requires a client certificate (mutual TLS): with the
 * certificate every stream succeeds on one TLS session; without it the handshake fails and is classed `tls`.
 */

import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/metrics/error-class.js';
import type { HttpRequest } from '../../src/protocols/http-types.js';
import { Http2Client } from '../../src/protocols/http2/client.js';
import { tlsSettings } from '../../src/protocols/tls/settings.js';
import { testRequest } from '../helpers/http-request.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

let certs: TestCerts;
let url = '';
let close: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  certs = makeTestCerts();
  const server = createSecureServer(
    {
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(String(peer.subject?.CN ?? 'no certificate'));
    },
  );
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  server.on('tlsClientError', () => undefined); // the test without a certificate makes one on purpose
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () =>
    new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    });
});

afterAll(async () => {
  await close();
  certs.remove();
});

const request = (): HttpRequest => testRequest(url);

describe('the own HTTP/2 client and a server that requires a client certificate', () => {
  it('presents the certificate and multiplexes every stream over one session', async () => {
    const c = new Http2Client({
      connections: 1,
      tls: tlsSettings({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }),
    });
    try {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, vu) => c.send(request(), vu)));
      expect(responses.map((r) => r.error?.message ?? r.status)).toEqual(Array(10).fill(200));
      expect(new Set(responses.map((r) => r.body)).size).toBe(1);
      expect(responses[0]?.body).not.toBe('no certificate');
    } finally {
      await c.destroy();
    }
  });

  it('fails as tls without one', async () => {
    const c = new Http2Client({ connections: 1, tls: tlsSettings({ ca: certs.ca }) });
    try {
      const r = await c.send(request(), 0);
      expect(classifyError(r.error)).toBe('tls');
    } finally {
      await c.destroy();
    }
  });
});
