/**
 * The own HTTP/2 client when the server misbehaves or leaves: a graceful GOAWAY in the middle of a run (the
 * run goes on over a new connection), resets mid-run (only those streams fail), a stream that times out while
 * queued behind the server's stream limit, and servers that do not speak HTTP/2 at all.
 */
import { constants } from 'node:http2';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/metrics/error-class.js';
import { Http2Client } from '../../src/protocols/http2/client.js';
import { settingsFrame } from '../../src/protocols/http2/frames.js';
import { tlsSettings } from '../../src/protocols/tls/settings.js';
import { type H2Handler, startH2Server } from '../helpers/h2-server.js';
import { testRequest } from '../helpers/http-request.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: H2Handler, settings?: { maxConcurrentStreams: number }) {
  const s = await startH2Server(handler, settings ? { settings } : {});
  cleanups.push(s.close);
  return s;
}

function client(connections = 1): Http2Client {
  const c = new Http2Client({ connections, tls: tlsSettings() });
  cleanups.push(() => c.destroy());
  return c;
}

const request = testRequest;

/** `vus` closed loops of `perVu` requests each, as VUs send; returns every response. */
async function run(c: Http2Client, origin: string, vus: number, perVu: number, path = '/') {
  const all: Awaited<ReturnType<Http2Client['send']>>[] = [];
  await Promise.all(
    Array.from({ length: vus }, async (_, vu) => {
      for (let i = 0; i < perVu; i++) all.push(await c.send(request(origin, { path }), vu));
    }),
  );
  return all;
}

/** A raw TCP server that answers the `nth` data event of each connection with `reply(socket, nth)`. */
async function rawServer(
  reply: (socket: Socket, nth: number) => void,
): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const s = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    let nth = 0;
    socket.on('data', () => reply(socket, nth++));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        s.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => connections };
}

describe('the own HTTP/2 client when the server goes away or misbehaves', () => {
  it('carries on over a new connection after a graceful GOAWAY mid-run, losing no request', async () => {
    let served = 0;
    const s = await server((req, res) => {
      // Every 25th request the server shuts its session down gracefully (GOAWAY, NO_ERROR) while others fly.
      if (++served % 25 === 0) req.stream.session?.close();
      setTimeout(() => res.end('ok'), 1);
    });
    const responses = await run(client(), s.url, 8, 20);
    expect(responses.filter((r) => r.error !== undefined).map((r) => r.error?.message)).toEqual([]);
    expect(responses).toHaveLength(160);
    expect(s.sessions()).toBeGreaterThanOrEqual(3);
  });

  it('fails only the streams the server resets, mid-run, as h2_stream_reset', async () => {
    let served = 0;
    const s = await server((req, res) => {
      if (++served % 10 === 0) req.stream.close(constants.NGHTTP2_REFUSED_STREAM);
      else res.end('ok');
    });
    const responses = await run(client(), s.url, 5, 20);
    const failed = responses.filter((r) => r.error !== undefined);
    expect(failed).toHaveLength(10);
    expect(new Set(failed.map((r) => classifyError(r.error)))).toEqual(new Set(['h2_stream_reset']));
    expect(responses.filter((r) => r.body === 'ok')).toHaveLength(90);
    expect(s.sessions()).toBe(1);
  });

  it('times out a stream that hangs and one queued behind it, and the connection serves the next', async () => {
    const s = await server(
      (req, res) => {
        if (req.url !== '/hang') res.end('ok');
      },
      { maxConcurrentStreams: 1 },
    );
    const c = client();
    const [hung, queued] = await Promise.all([
      c.send(request(s.url, { path: '/hang', timeoutMs: 300 }), 0),
      c.send(request(s.url, { timeoutMs: 200 }), 0),
    ]);
    expect(classifyError(hung.error)).toBe('timeout');
    expect(classifyError(queued.error)).toBe('timeout');
    // The hung stream was reset (CANCEL), which frees the one slot for the next request.
    const next = await c.send(request(s.url), 0);
    expect(next.body).toBe('ok');
    expect(s.sessions()).toBe(1);
  });

  it('fails as h2_protocol, not a crash, against an HTTP/1.1 server and a server sending garbage', async () => {
    const http1 = await rawServer((socket) =>
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
    );
    const garbage = await rawServer((socket, nth) => {
      if (nth > 0) return;
      socket.write(settingsFrame([]));
      socket.write(Buffer.from('00000401000000000200000000', 'hex')); // HEADERS on stream 2, never opened
    });
    // A response head on stream 1 whose HPACK block names dynamic entry 63 of an empty table.
    const badHpack = await rawServer((socket, nth) => {
      if (nth === 0) socket.write(settingsFrame([]));
      if (nth === 1) socket.write(Buffer.from('000001010500000001bf', 'hex'));
    });
    const messages: string[] = [];
    for (const origin of [http1, garbage, badHpack]) {
      const r = await client().send(request(origin.url), 0);
      expect(classifyError(r.error)).toBe('h2_protocol');
      messages.push(r.error?.message ?? '');
    }
    expect(messages[0]).toMatch(/frame of \d+ bytes above 16384/); // "HTTP/1.1 4" read as a frame header
    expect(messages[1]).toMatch(/stream 2, never opened/);
    expect(messages[2]).toMatch(/index 63 beyond the tables/);
  });

  it('gives up on a connection whose server never answers the preface, and the next request dials anew', async () => {
    const silent = await rawServer(() => undefined);
    const c = client();
    const first = await c.send(request(silent.url, { timeoutMs: 200 }), 0);
    expect(classifyError(first.error)).toBe('timeout');
    const second = await c.send(request(silent.url, { timeoutMs: 200 }), 0);
    expect(classifyError(second.error)).toBe('timeout');
    expect(silent.connections()).toBe(2);
  });

  it('resolves every request with an error, never a throw or a hang, whatever bytes follow SETTINGS', async () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 12; round++) {
      const junk = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
      );
      const s = await rawServer((socket, nth) => {
        if (nth === 0) socket.write(settingsFrame([]));
        if (nth === 1) socket.write(junk);
      });
      const c = client();
      const r = await c.send(request(s.url, { timeoutMs: 300 }), 0);
      expect(r.error, `junk ${junk.toString('hex')}`).toBeInstanceOf(Error);
      expect(['h2_protocol', 'h2_stream_reset', 'h2_goaway', 'timeout']).toContain(classifyError(r.error));
    }
  });
});
