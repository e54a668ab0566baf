/**
 * The own HTTP/2 client against real node:http2 servers: streams queued behind SETTINGS_MAX_CONCURRENT_STREAMS,
 * flow control both ways (a response larger than the announced window, a request body larger than the
 * server's), header blocks split into CONTINUATION frames both ways, trailers, and a server PING.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../src/protocols/http-types.js';
import { Http2Client, type Http2ClientOptions } from '../../src/protocols/http2/client.js';
import { tlsSettings } from '../../src/protocols/tls/settings.js';
import { type H2Handler, startH2Server } from '../helpers/h2-server.js';
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

async function server(handler: H2Handler, secure: boolean, settings?: { maxConcurrentStreams: number }) {
  const s = await startH2Server(handler, { ...(secure ? { certs } : {}), ...(settings ? { settings } : {}) });
  cleanups.push(s.close);
  return s;
}

function client(options: Partial<Http2ClientOptions> = {}): Http2Client {
  const c = new Http2Client({ connections: 1, tls: tlsSettings({ ca: certs.ca }), ...options });
  cleanups.push(() => c.destroy());
  return c;
}

const request = (origin: string, over: Partial<HttpRequest> = {}) =>
  testRequest(origin, { timeoutMs: 10_000, ...over });

/** Answers after `delayMs`, so streams overlap. */
const slow =
  (delayMs: number): H2Handler =>
  (_req, res) => {
    setTimeout(() => res.end('ok'), delayMs);
  };

describe('the own HTTP/2 client against node:http2', () => {
  for (const secure of [true, false]) {
    it(`queues streams beyond MAX_CONCURRENT_STREAMS=2 and sends them as others end (${secure ? 'TLS' : 'h2c'})`, async () => {
      const s = await server(slow(30), secure, { maxConcurrentStreams: 2 });
      const c = client();
      const responses = await Promise.all(Array.from({ length: 12 }, (_, vu) => c.send(request(s.url), vu)));
      expect(responses.map((r) => r.error?.message ?? r.status)).toEqual(Array(12).fill(200));
      expect(responses.every((r) => r.body === 'ok')).toBe(true);
      expect(s.maxOpenStreams()).toBe(2);
      expect(s.sessions()).toBe(1);
    });
  }

  it('multiplexes 200 streams over 2 connections, each timed on its own', async () => {
    const s = await server(slow(5), true);
    const c = client({ connections: 2 });
    const responses = await Promise.all(Array.from({ length: 200 }, (_, vu) => c.send(request(s.url), vu)));
    expect(responses.filter((r) => r.status === 200 && r.error === undefined)).toHaveLength(200);
    expect(s.sessions()).toBe(2);
    expect(s.maxOpenStreams()).toBeGreaterThan(2);
    for (const r of responses) expect(r.doneAtMs).toBeGreaterThan(r.sentAtMs);
  });

  it('reads a response larger than its window by sending WINDOW_UPDATE as it consumes', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    const s = await server((_req, res) => res.end(body), false);
    // 16 KiB per stream: the 3 MiB body needs some 400 updates; the server stalls without them.
    const c = client({ windowBytes: 16 * 1024 });
    const responses = await Promise.all(
      [0, 1, 2].map((vu) => c.send(request(s.url, { maxBodyBytes: 1024 }), vu)),
    );
    for (const r of responses) {
      expect(r.error).toBeUndefined();
      expect(r.bytesIn).toBeGreaterThanOrEqual(body.length);
      expect(r.body).toBe('x'.repeat(1024));
      expect(r.bodyTruncated).toBe(true);
    }
  });

  it('sends a request body larger than the server window, waiting for its WINDOW_UPDATE', async () => {
    const s = await server((req, res) => {
      let n = 0;
      req.on('data', (chunk: Buffer) => {
        n += chunk.length;
      });
      req.on('end', () => res.end(String(n)));
    }, true);
    const c = client();
    const body = 'é'.repeat(400_000); // 800,000 bytes of UTF-8, far beyond the default 65,535 window
    const r = await c.send(request(s.url, { method: 'POST', body }), 0);
    expect(r.error).toBeUndefined();
    expect(r.body).toBe('800000');
  });

  it('splits a large request header block into CONTINUATION frames and reads one from the server', async () => {
    const big = 'v'.repeat(20_000); // above the 16,384-byte frame size both sides start with
    const s = await server((req, res) => {
      res.setHeader('x-echo-length', String((req.headers['x-big'] as string).length));
      res.setHeader('x-big-back', big);
      res.end('ok');
    }, false);
    const c = client();
    const r = await c.send(request(s.url, { headers: ['x-big', big], captureHeaders: true }), 0);
    expect(r.error).toBeUndefined();
    const headers = Object.fromEntries(
      (r.rawHeaders ?? []).flatMap((b, i, all) =>
        i % 2 === 0 ? [[b.toString(), (all[i + 1] as Buffer).toString()]] : [],
      ),
    );
    expect(headers['x-echo-length']).toBe('20000');
    expect(headers['x-big-back']).toBe(big);
  });

  it('reads trailers after the body, and keeps them when headers are captured', async () => {
    const s = await server((_req, res) => {
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.write('part one, ');
      res.end('part two');
    }, true);
    const c = client();
    const r = await c.send(request(s.url, { captureHeaders: true }), 0);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.body).toBe('part one, part two');
    const names = (r.rawHeaders ?? []).filter((_, i) => i % 2 === 0).map(String);
    expect(names).toContain('x-checksum');
  });

  it('answers the server PING', async () => {
    const s = await server((req, res) => {
      req.stream.session?.ping((error) => res.end(error ? `ping failed: ${error.message}` : 'pong'));
    }, false);
    const r = await client().send(request(s.url), 0);
    expect(r.body).toBe('pong');
  });

  it('close() lets streams in flight and those queued behind the stream limit finish', async () => {
    const s = await server(slow(20), false, { maxConcurrentStreams: 1 });
    const c = new Http2Client({ connections: 1, tls: tlsSettings() });
    const pending = Array.from({ length: 4 }, (_, vu) => c.send(request(s.url), vu));
    await c.close();
    const responses = await Promise.all(pending);
    expect(responses.map((r) => r.error?.message ?? r.body)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const late = await c.send(request(s.url), 0);
    expect(late.error?.message).toBe('client closed');
  });
});
