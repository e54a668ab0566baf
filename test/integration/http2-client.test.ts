import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/metrics/error-class.js';
import { HttpClient } from '../../src/protocols/http.js';
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

type H2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/** What every test server does: echo what it saw, or misbehave on the paths that ask for it. */
const handler: H2Handler = (req, res) => {
  if (req.url === '/reset') return req.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  if (req.url === '/goaway') return req.stream.session?.goaway(constants.NGHTTP2_INTERNAL_ERROR, 0);
  if (req.url === '/hang') return;
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', 'sid=1');
    res.end(
      JSON.stringify({
        version: req.httpVersion,
        method: req.method,
        path: req.url,
        auth: req.headers.authorization ?? null,
        body,
      }),
    );
  });
};

async function h2Server(secure: boolean): Promise<{ url: string; sessions: () => number }> {
  const server: Http2Server = secure
    ? createSecureServer({ cert: certs.serverCert, key: certs.serverKey }, handler)
    : createServer(handler);
  let sessions = 0;
  const open = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => {
    sessions++;
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, sessions: () => sessions };
}

function client(connections = 1): HttpClient {
  const c = new HttpClient({
    connections: 1,
    vus: 1,
    connectTimeoutMs: 2000,
    insecureSkipTLSVerify: false,
    tls: { ca: certs.ca },
    http2: { connections },
  });
  cleanups.push(() => c.destroy());
  return c;
}

const request = testRequest;

describe('HTTP/2 client against node:http2 servers', () => {
  for (const secure of [true, false]) {
    const kind = secure ? 'over TLS (ALPN h2)' : 'as h2c with prior knowledge';
    it(`sends GET and POST ${kind}, with headers and body`, async () => {
      const server = await h2Server(secure);
      const c = client();
      const get = await c.send(request(server.url, { path: '/a?b=1' }), 0);
      expect(get.error).toBeUndefined();
      expect(get.status).toBe(200);
      expect(JSON.parse(get.body ?? '')).toMatchObject({ version: '2.0', method: 'GET', path: '/a?b=1' });
      // Set-Cookie reaches the cookie jar even when headers are not captured.
      expect(get.rawHeaders?.map((b) => b.toString())).toEqual(['set-cookie', 'sid=1']);
      const post = await c.send(
        request(server.url, {
          method: 'POST',
          path: '/login',
          headers: ['authorization', 'Bearer t', 'content-type', 'application/json', 'Host', 'ignored.test'],
          body: '{"u":"ü"}',
        }),
        0,
      );
      expect(post.error).toBeUndefined();
      expect(JSON.parse(post.body ?? '')).toMatchObject({
        method: 'POST',
        auth: 'Bearer t',
        body: '{"u":"ü"}',
      });
      expect(server.sessions()).toBe(1);
    });
  }

  it('refuses a header with CR, LF or NUL, and a path with whitespace, before opening a session', async () => {
    const server = await h2Server(false);
    const c = client();
    for (const [headers, path, why] of [
      [['x-id', '1\r\nevil: 1'], '/', /contains a line break/],
      [['x-id', 'a\nb'], '/', /contains a line break/],
      [['x-id', 'a\u0000b'], '/', /contains a NUL character/],
      [[], '/a b', /path "\/a b" contains whitespace/],
    ] as const) {
      const r = await c.send(request(server.url, { headers: [...headers], path }), 0);
      expect(r.error?.message).toMatch(why);
      expect((r.error as { code?: string }).code).toBe('H2_INVALID_REQUEST');
    }
    expect(server.sessions()).toBe(0);
    const fine = await c.send(request(server.url, { headers: ['x-id', '1'] }), 0);
    expect(fine.status).toBe(200);
  });

  it('multiplexes many VUs over the configured number of sessions', async () => {
    const server = await h2Server(true);
    const c = client(2);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, vu) => c.send(request(server.url), vu)),
    );
    expect(responses.every((r) => r.status === 200 && r.error === undefined)).toBe(true);
    expect(server.sessions()).toBe(2);
    for (const r of responses) expect(r.doneAtMs).toBeGreaterThanOrEqual(r.sentAtMs);
  });

  it('classes a stream reset, a GOAWAY and a timeout', async () => {
    const server = await h2Server(false);
    const reset = await client().send(request(server.url, { path: '/reset' }), 0);
    expect(classifyError(reset.error)).toBe('h2_stream_reset');
    const goaway = await client().send(request(server.url, { path: '/goaway' }), 0);
    expect(classifyError(goaway.error)).toBe('h2_goaway');
    const hang = await client().send(request(server.url, { path: '/hang', timeoutMs: 200 }), 0);
    expect(classifyError(hang.error)).toBe('timeout');
  });

  it('fails as tls when the certificate is not trusted, and as refused when nothing listens', async () => {
    const server = await h2Server(true);
    const untrusted = new HttpClient({
      connections: 1,
      vus: 1,
      connectTimeoutMs: 2000,
      insecureSkipTLSVerify: false,
      http2: { connections: 1 },
    });
    cleanups.push(() => untrusted.destroy());
    expect(classifyError((await untrusted.send(request(server.url), 0)).error)).toBe('tls');
    const closed = server.url.replace(/:\d+$/, ':1');
    expect(classifyError((await client().send(request(closed), 0)).error)).toBe('refused');
  });
});
