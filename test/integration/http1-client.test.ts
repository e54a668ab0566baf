import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/metrics/error-class.js';
import type { HttpResponse } from '../../src/protocols/http.js';
import { Http1Client } from '../../src/protocols/http1/client.js';
import { testRequest } from '../helpers/http-request.js';
import { closedPort } from '../helpers/http-server.js';
import { type RawServer, startRawServer, writeByteByByte } from '../helpers/raw-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(options: Partial<{ connections: number; vus: number }> = {}): Http1Client {
  const c = new Http1Client({ connections: 1, vus: 1, connectTimeoutMs: 2000, ...options });
  cleanups.push(() => c.destroy());
  return c;
}

async function raw(...args: Parameters<typeof startRawServer>): Promise<RawServer> {
  const server = await startRawServer(...args);
  cleanups.push(() => server.close());
  return server;
}

/** A node:http server that counts the TCP connections it accepted. */
async function nodeServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; connections: () => number }> {
  const server: Server = createServer(handler);
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

const request = testRequest;

function ok(response: HttpResponse): HttpResponse {
  if (response.error) throw response.error;
  return response;
}

const HEAD_200 = 'HTTP/1.1 200 OK\r\n';

describe('HTTP/1.1 client: response framing', () => {
  it('reads a Content-Length body and counts every byte in and out exactly', async () => {
    const answer = `${HEAD_200}Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world`;
    const server = await raw((socket) => socket.write(answer));
    const r = ok(await client().send(request(server.url, { path: '/a?b=1', headers: ['x-t', '1'] }), 0));
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello world');
    expect(r.bytesIn).toBe(Buffer.byteLength(answer));
    expect(r.bytesOut).toBe(Buffer.byteLength(server.received[0] as string));
    expect(server.received[0]).toBe(
      `GET /a?b=1 HTTP/1.1\r\nx-t: 1\r\nhost: ${new URL(server.url).host}\r\n\r\n`,
    );
  });

  it('decodes a chunked body written one byte per packet, with extensions and trailers', async () => {
    const answer =
      `${HEAD_200}Transfer-Encoding: chunked\r\n\r\n` +
      '5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n';
    const server = await raw((socket) => void writeByteByByte(socket, answer));
    const c = client();
    const r = ok(await c.send(request(server.url), 0));
    expect(r.body).toBe('hello 0123456789');
    expect(r.bytesIn).toBe(answer.length);
    // The framing was read exactly: the same connection carries the next exchange.
    ok(await c.send(request(server.url), 0));
    expect(server.connections).toBe(1);
  });

  it('reads a head split across packets and an upper-case hex chunk size', async () => {
    const answer = `HTTP/1.1 201 Created\r\nTRANSFER-ENCODING: Chunked\r\n\r\nF\r\n${'x'.repeat(15)}\r\n0\r\n\r\n`;
    const server = await raw((socket) => void writeByteByByte(socket, answer));
    const r = ok(await client().send(request(server.url), 0));
    expect(r.status).toBe(201);
    expect(r.body).toBe('x'.repeat(15));
  });

  it('reads HEAD, 204 and 304 responses as bodiless and keeps using the connection', async () => {
    const server = await nodeServer((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end();
      else res.writeHead(200, { 'content-length': 5 }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const c = client();
    expect(ok(await c.send(request(server.url, { method: 'HEAD' }), 0)).body).toBe('');
    expect(ok(await c.send(request(server.url, { path: '/204' }), 0)).status).toBe(204);
    expect(ok(await c.send(request(server.url, { path: '/304' }), 0)).status).toBe(304);
    expect(ok(await c.send(request(server.url), 0)).body).toBe('hello');
    expect(server.connections()).toBe(1);
  });

  it('reads a body delimited by the connection closing', async () => {
    const server = await raw((socket) => socket.end('HTTP/1.0 200 OK\r\n\r\nuntil close'));
    expect(ok(await client().send(request(server.url), 0)).body).toBe('until close');
  });

  it('skips an interim 100 Continue and reads the final response', async () => {
    const answer = `HTTP/1.1 100 Continue\r\n\r\n${HEAD_200}Content-Length: 2\r\n\r\nok`;
    const server = await raw((socket) => socket.write(answer));
    const r = ok(await client().send(request(server.url), 0));
    expect([r.status, r.body, r.bytesIn]).toEqual([200, 'ok', answer.length]);
  });

  it('reads large bodies, Content-Length and chunked, whole', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const server = await nodeServer((req, res) => {
      if (req.url === '/chunked') {
        res.write(big.slice(0, 1_000_001));
        res.end(big.slice(1_000_001));
      } else res.writeHead(200, { 'content-length': big.length }).end(big);
    });
    const c = client();
    const whole = { maxBodyBytes: big.length };
    expect(ok(await c.send(request(server.url, whole), 0)).body?.length).toBe(big.length);
    const chunked = ok(await c.send(request(server.url, { path: '/chunked', ...whole }), 0));
    expect(chunked.body).toBe(big);
    expect(chunked.bodyTruncated).toBe(false);
    // Past maxBodyBytes (default 1 MiB) the body is cut, marked, and still counted in full.
    for (const path of ['/', '/chunked']) {
      const cut = ok(await c.send(request(server.url, { path }), 0));
      expect(cut.body).toBe(big.slice(0, 1024 * 1024));
      expect(cut.bodyTruncated).toBe(true);
      expect(cut.bytesIn).toBeGreaterThan(big.length);
    }
    // Without capture only the size is counted.
    const counted = ok(await c.send(request(server.url, { captureBody: false }), 0));
    expect(counted.body).toBeUndefined();
    expect(counted.bytesIn).toBeGreaterThan(big.length);
  });

  it('keeps bodies of connections read at the same time apart (they share one read buffer)', async () => {
    const server = await nodeServer((req, res) => {
      const letter = (req.url as string).slice(1);
      res.write(letter.repeat(700_000)); // chunked, so each body arrives in many reads, interleaved
      setImmediate(() => res.end(letter.repeat(300_000)));
    });
    const c = client({ connections: 3, vus: 3 });
    const rs = await Promise.all(
      ['a', 'b', 'c'].map((l, lane) => c.send(request(server.url, { path: `/${l}` }), lane)),
    );
    expect(rs.map((r) => ok(r).body)).toEqual(['a', 'b', 'c'].map((l) => l.repeat(1_000_000)));
  });

  it('keeps Set-Cookie headers even when headers are not captured, every header when they are', async () => {
    const answer = `${HEAD_200}Set-Cookie: a=1\r\nX-Other: z\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n`;
    const server = await raw((socket) => socket.write(answer));
    const c = client();
    const cookies = ok(await c.send(request(server.url), 0)).rawHeaders?.map(String);
    expect(cookies).toEqual(['Set-Cookie', 'a=1', 'set-cookie', 'b=2']);
    const all = ok(await c.send(request(server.url, { captureHeaders: true }), 0)).rawHeaders?.map(String);
    expect(all).toEqual(['Set-Cookie', 'a=1', 'X-Other', 'z', 'set-cookie', 'b=2', 'Content-Length', '0']);
  });
});

describe('HTTP/1.1 client: requests and connections', () => {
  it('sends a request body with its exact Content-Length, in UTF-8', async () => {
    const server = await nodeServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${req.headers['content-length']} ${Buffer.concat(chunks)}`));
    });
    const body = '{"name":"žluťoučký"}';
    const r = ok(await client().send(request(server.url, { method: 'POST', body }), 0));
    expect(r.body).toBe(`POST ${Buffer.byteLength(body)} ${body}`);
    const empty = ok(await client().send(request(server.url, { method: 'POST' }), 0));
    expect(empty.body).toBe('POST 0 ');
  });

  it('reuses one keep-alive connection per lane', async () => {
    const server = await nodeServer((_req, res) => res.end('ok'));
    const c = client({ connections: 2, vus: 2 });
    for (let i = 0; i < 5; i++) {
      await Promise.all([c.send(request(server.url), 0), c.send(request(server.url), 1)]).then((rs) =>
        rs.map(ok),
      );
    }
    expect(server.connections()).toBe(2);
  });

  it('shares a bounded pool when there are fewer connections than VUs', async () => {
    const server = await nodeServer((_req, res) => setTimeout(() => res.end('ok'), 5));
    const c = client({ connections: 2, vus: 4 });
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => c.send(request(server.url), i % 4)));
    expect(rs.map((r) => ok(r).body)).toEqual(Array(12).fill('ok'));
    expect(server.connections()).toBe(2);
  });

  it('opens a new connection after a response with Connection: close', async () => {
    const server = await nodeServer((_req, res) => res.writeHead(200, { connection: 'close' }).end('bye'));
    const c = client();
    expect(ok(await c.send(request(server.url), 0)).body).toBe('bye');
    expect(ok(await c.send(request(server.url), 0)).body).toBe('bye');
    expect(server.connections()).toBe(2);
  });

  it('notices an idle keep-alive connection the server closed and sends on a new one', async () => {
    const answer = `${HEAD_200}Content-Length: 2\r\n\r\nok`;
    const server = await raw((socket) => socket.end(answer)); // keep-alive framing, but closes after
    const c = client();
    ok(await c.send(request(server.url), 0));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the FIN arrive while idle
    ok(await c.send(request(server.url), 0));
    expect(server.connections).toBe(2);
  });

  it('retries a GET once when a reused connection closes under it, never a POST', async () => {
    const answer = `${HEAD_200}Content-Length: 2\r\n\r\nok`;
    // Answers the first request on each connection; closes without answering on any later one.
    const server = await raw((socket, _req, _conn, onConnection) => {
      if (onConnection === 0) socket.write(answer);
      else socket.destroy();
    });
    const c = client();
    ok(await c.send(request(server.url), 0));
    const get = await c.send(request(server.url), 0);
    expect(ok(get).body).toBe('ok');
    expect(server.connections).toBe(2);

    const post = await c.send(request(server.url, { method: 'POST', body: 'once' }), 0);
    expect(classifyError(post.error)).toBe('reset');
    const posts = server.received.join('').split('POST ').length - 1;
    expect(posts).toBe(1);
  });
});

describe('HTTP/1.1 client: errors are classified like undici errors', () => {
  it('classifies a response that never arrives as a timeout', async () => {
    const server = await raw(() => undefined);
    const r = await client().send(request(server.url, { timeoutMs: 100 }), 0);
    expect(r.error?.message).toMatch(/no response within 100 ms/);
    expect(classifyError(r.error)).toBe('timeout');
  });

  it('classifies a body that stops half-way as a timeout', async () => {
    const server = await raw((socket) => socket.write(`${HEAD_200}Content-Length: 10\r\n\r\nhalf`));
    const r = await client().send(request(server.url, { timeoutMs: 100 }), 0);
    expect(r.error?.message).toMatch(/body not complete/);
    expect(classifyError(r.error)).toBe('timeout');
  });

  it('classifies a refused connection', async () => {
    const port = await closedPort();
    const r = await client().send(request(`http://127.0.0.1:${port}`), 0);
    expect(classifyError(r.error)).toBe('refused');
  });

  it('classifies a connection closed before the response ended as a reset', async () => {
    const server = await raw((socket) => socket.end(`${HEAD_200}Content-Length: 10\r\n\r\nhalf`));
    const r = await client().send(request(server.url), 0);
    expect(classifyError(r.error)).toBe('reset');
  });

  it('reports a malformed response clearly', async () => {
    const server = await raw((socket) => socket.write('SMTP ready\r\n\r\n'));
    const r = await client().send(request(server.url), 0);
    expect(r.error?.message).toMatch(/malformed HTTP response: malformed status line "SMTP ready/);
    const chunked = await raw((socket) =>
      socket.write(`${HEAD_200}Transfer-Encoding: chunked\r\n\r\nzz\r\n`),
    );
    const r2 = await client().send(request(chunked.url), 0);
    expect(r2.error?.message).toMatch(/chunk size is not hexadecimal/);
  });

  it('refuses a protocol upgrade with a clear error', async () => {
    const server = await raw((socket) =>
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n'),
    );
    const r = await client().send(request(server.url), 0);
    expect(r.error?.message).toMatch(/101 \(protocol upgrade\) is not supported/);
  });

  it('refuses a header value with a line break before sending anything', async () => {
    const server = await raw(() => undefined);
    const r = await client().send(request(server.url, { headers: ['x', 'a\r\nevil: 1'] }), 0);
    expect(r.error?.message).toMatch(/contains a line break/);
    expect(server.connections).toBe(0);
  });

  it('fails requests in flight when destroyed, and closes gracefully after in-flight ones', async () => {
    const server = await nodeServer((req, res) => {
      if (req.url !== '/hang') res.end('ok');
    });
    const c = client();
    const hanging = c.send(request(server.url, { path: '/hang' }), 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await c.destroy();
    expect(classifyError((await hanging).error)).toBe('reset');

    const graceful = client();
    const inFlight = graceful.send(request(server.url), 0);
    await graceful.close();
    expect(ok(await inFlight).body).toBe('ok');
  });
});
