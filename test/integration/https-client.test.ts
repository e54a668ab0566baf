import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/metrics/error-class.js';
import { HttpClient, type HttpRequest, type TlsMaterial } from '../../src/protocols/http.js';
import { testRequest } from '../helpers/http-request.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.remove());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  alpn: string | false | null;
  servername: string | false;
  resumed: boolean;
  clientCN: string | undefined;
}

/** A real node:https server with the test CA's certificate; it answers with what it saw of the TLS session. */
async function httpsServer(extra: ServerOptions = {}, close = false): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer(
    { cert: certs.serverCert, key: certs.serverKey, ALPNProtocols: ['http/1.1'], ...extra },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({
        alpn: socket.alpnProtocol,
        servername: (socket as TLSSocket & { servername: string | false }).servername,
        resumed: socket.isSessionReused(),
        clientCN: peer?.subject?.CN as string | undefined,
      });
      if (close) res.setHeader('connection', 'close');
      res.end(JSON.stringify({ ok: true, path: req.url }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client(tls: TlsMaterial | undefined, insecure = false, connections = 1): HttpClient {
  const c = new HttpClient({
    connections,
    vus: 1,
    connectTimeoutMs: 2000,
    insecureSkipTLSVerify: insecure,
    tls,
  });
  cleanups.push(() => c.destroy());
  return c;
}

const get = (origin: string, path = '/'): HttpRequest => testRequest(origin, { path });

describe('HTTPS on the own HTTP/1.1 client', () => {
  it('verifies the server against a CA bundle, offers ALPN http/1.1 and keeps the connection alive', async () => {
    const server = await httpsServer();
    const c = client({ ca: certs.ca });
    for (let i = 0; i < 3; i++) {
      const response = await c.send(get(server.url, `/n${i}`), 0);
      expect(response.error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body ?? '')).toEqual({ ok: true, path: `/n${i}` });
    }
    expect(server.seen.map((s) => s.alpn)).toEqual(['http/1.1', 'http/1.1', 'http/1.1']);
    // One handshake, three requests on it: none of them started a new session.
    expect(server.seen.every((s) => !s.resumed)).toBe(true);
    // 127.0.0.1 is an IP literal, which SNI must not carry.
    expect(server.seen[0]?.servername).toBe(false);
  });

  it('fails with a tls error class when the server certificate is not trusted', async () => {
    const server = await httpsServer();
    const response = await client(undefined).send(get(server.url), 0);
    expect(response.error).toBeDefined();
    expect(classifyError(response.error as Error)).toBe('tls');
  });

  it('accepts any certificate with insecureSkipTLSVerify', async () => {
    const server = await httpsServer();
    const response = await client(undefined, true).send(get(server.url), 0);
    expect(response.error).toBeUndefined();
    expect(response.status).toBe(200);
  });

  it('sends serverName as SNI and checks the certificate against it', async () => {
    const server = await httpsServer();
    const ok = await client({ ca: certs.ca, serverName: 'target.test' }).send(get(server.url), 0);
    expect(ok.error).toBeUndefined();
    expect(server.seen[0]?.servername).toBe('target.test');
    const wrong = await client({ ca: certs.ca, serverName: 'other.test' }).send(get(server.url), 0);
    expect(classifyError(wrong.error as Error)).toBe('tls');
  });

  it('resumes the TLS session when the server closes the connection after each response', async () => {
    const server = await httpsServer({}, true);
    const c = client({ ca: certs.ca });
    for (let i = 0; i < 4; i++) {
      const response = await c.send(get(server.url), 0);
      expect(response.error).toBeUndefined();
    }
    expect(server.seen.map((s) => s.resumed)).toEqual([false, true, true, true]);
  });
});

describe('client certificates (mutual TLS)', () => {
  const mtls = (): ServerOptions => ({ ca: certs.ca, requestCert: true, rejectUnauthorized: true });

  it('presents the client certificate to a server that requires one', async () => {
    const server = await httpsServer(mtls());
    const c = client({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    const response = await c.send(get(server.url), 0);
    expect(response.error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(server.seen[0]?.clientCN).toBe('stampede-runner');
  });

  it('fails, classed, without a client certificate', async () => {
    const server = await httpsServer(mtls());
    const response = await client({ ca: certs.ca }).send(get(server.url), 0);
    expect(response.error).toBeDefined();
    expect(['tls', 'reset']).toContain(classifyError(response.error as Error));
    expect(server.seen).toEqual([]);
  });
});
