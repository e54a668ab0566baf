/**
 * On plain TCP the HTTP/1.1 client writes each request straight to the socket's descriptor (one write(2))
 * and hands whatever the kernel did not take to the stream (connection.ts, writeRequest). Against a real
 * node:http server: a body far larger than the socket's send buffer (a partial write, the rest queued)
 * arrives whole and in order, small and large requests alternate on one keep-alive connection, and a
 * server that closes under a request still yields a classified error, not a hang.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../src/protocols/http.js';
import { Http1Client } from '../../src/protocols/http1/client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(): Http1Client {
  const c = new Http1Client({ connections: 1, vus: 1, connectTimeoutMs: 2000 });
  cleanups.push(() => c.destroy());
  return c;
}

/** Answers every request with the length and SHA-256 of the body it received. */
async function hashingServer(): Promise<{ url: string; connections: () => number }> {
  const server: Server = createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => res.end(`${length} ${hash.digest('hex')}`));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  };
}

function post(origin: string, body: string): HttpRequest {
  return {
    origin,
    path: '/upload',
    method: 'POST',
    headers: ['content-type', 'text/plain'],
    body,
    timeoutMs: 20_000,
    captureBody: true,
    captureHeaders: false,
  };
}

function ok(response: HttpResponse): HttpResponse {
  if (response.error) throw response.error;
  return response;
}

const digest = (text: string) =>
  `${Buffer.byteLength(text)} ${createHash('sha256').update(text).digest('hex')}`;

describe('HTTP/1.1 client: requests written straight to the socket', () => {
  it('a body far larger than the send buffer arrives whole and in order', async () => {
    const server = await hashingServer();
    // 16 MiB of varying text: any lost, repeated or reordered byte changes the hash.
    const body = Array.from({ length: 1 << 18 }, (_, i) => `${String(i).padStart(63, '.')}\n`).join('');
    const r = ok(await client().send(post(server.url, body), 0));
    expect(r.status).toBe(200);
    expect(r.body).toBe(digest(body));
    expect(r.bytesOut).toBeGreaterThan(body.length);
  }, 30_000);

  it('small and large requests alternate on one keep-alive connection, each intact', async () => {
    const server = await hashingServer();
    const c = client();
    for (let i = 0; i < 6; i++) {
      const body = (i % 2 === 0 ? 'small' : 'L'.repeat(3 << 20)) + String(i);
      expect(ok(await c.send(post(server.url, body), 0)).body).toBe(digest(body));
    }
    expect(server.connections()).toBe(1);
  }, 30_000);

  it('a server that closes the connection under a large request gives a classified error', async () => {
    // Closes at the first bytes, without answering, while the body is still being written.
    const server = createTcpServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await client().send(post(url, 'x'.repeat(8 << 20)), 0);
    expect(r.error).toBeDefined();
    expect(r.status).toBe(0);
  }, 30_000);
});
