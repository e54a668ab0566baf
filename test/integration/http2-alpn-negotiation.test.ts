import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpRequest } from '../../src/protocols/http.js';
import { testRequest } from '../helpers/http-request.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

/** What a server saw: the HTTP version of every request and the ALPN pick of every connection. */
interface Seen {
  url: string;
  versions: string[];
  alpn: (string | false | null)[];
}

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.remove());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const answer = (seen: Seen) => (req: { httpVersion: string }, res: { end(body: string): void }) => {
  seen.versions.push(req.httpVersion);
  res.end(JSON.stringify({ version: req.httpVersion, items: [{ id: 1 }] }));
};

async function listen(server: Server | ReturnType<typeof createSecureServer>, seen: Seen) {
  const sockets = new Set<{ destroy(): void }>();
  server.on('secureConnection', (socket: TLSSocket) => {
    seen.alpn.push(socket.alpnProtocol);
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  seen.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return seen;
}

/** node:https: HTTP/1.1 only; with `alpn` it answers ALPN with http/1.1, without it ignores ALPN. */
function h1Server(alpn: boolean): Promise<Seen> {
  const seen: Seen = { url: '', versions: [], alpn: [] };
  const options = { cert: certs.serverCert, key: certs.serverKey, ALPNProtocols: alpn ? ['http/1.1'] : [] };
  return listen(createHttpsServer(options, answer(seen)), seen);
}

/** node:http2 that also speaks HTTP/1.1: what most HTTP/2 servers do, so the pick is the client's offer. */
function h2Server(): Promise<Seen & { sessions: () => number }> {
  const seen: Seen = { url: '', versions: [], alpn: [] };
  const server = createSecureServer(
    { cert: certs.serverCert, key: certs.serverKey, allowHTTP1: true },
    answer(seen),
  );
  const open = new Set<ServerHttp2Session>();
  server.on('session', (s) => open.add(s));
  cleanups.push(() => {
    for (const s of open) s.destroy();
  });
  return listen(server, seen).then((s) => ({ ...s, sessions: () => open.size }));
}

function negotiatingClient(vus: number): HttpClient {
  const c = new HttpClient({
    connections: vus,
    vus,
    connectTimeoutMs: 2000,
    insecureSkipTLSVerify: false,
    tls: { ca: certs.ca },
    negotiateHttp2: { connections: 1 },
  });
  cleanups.push(() => c.destroy());
  return c;
}

const get = (origin: string): HttpRequest => testRequest(origin, { path: '/data' });

describe('HTTP/2 negotiated by ALPN (target.negotiateHttp2)', () => {
  it('speaks HTTP/2 to a server that picks h2, with concurrent first requests waiting for one probe', async () => {
    const server = await h2Server();
    const c = negotiatingClient(4);
    const responses = await Promise.all([0, 1, 2, 3].map((vu) => c.send(get(server.url), vu)));
    for (const r of responses) {
      expect(r.error).toBeUndefined();
      expect(JSON.parse(r.body ?? '').version).toBe('2.0');
      expect(r.doneAtMs).toBeGreaterThan(r.sentAtMs);
    }
    const again = await c.send(get(server.url), 0);
    expect(JSON.parse(again.body ?? '').version).toBe('2.0');
    // The probe's connection is closed right away; then one HTTP/2 session carries all five requests.
    expect(server.alpn).toContain('h2');
    expect(server.sessions()).toBe(1);
    expect(server.versions).toEqual(['2.0', '2.0', '2.0', '2.0', '2.0']);
  });

  for (const alpn of [true, false]) {
    it(`stays on HTTP/1.1 with a server that speaks only HTTP/1.1 (${alpn ? 'answers ALPN with http/1.1' : 'ignores ALPN'})`, async () => {
      const server = await h1Server(alpn);
      const c = negotiatingClient(2);
      const responses = await Promise.all([0, 1, 0, 1].map((vu) => c.send(get(server.url), vu)));
      for (const r of responses) {
        expect(r.error).toBeUndefined();
        expect(JSON.parse(r.body ?? '').version).toBe('1.1');
      }
      expect(server.versions).toEqual(['1.1', '1.1', '1.1', '1.1']);
      expect(server.alpn[0]).toBe(alpn ? 'http/1.1' : false);
    });
  }

  it('reports a refused origin as refused, and probes again on the next request', async () => {
    const server = await h2Server();
    const closed = server.url.replace(/:\d+$/, ':1');
    const c = negotiatingClient(1);
    const first = await c.send(get(closed), 0);
    expect((first.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
    const second = await c.send(get(closed), 0);
    expect((second.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
  });

  it('a load test against each server: every check passes and each server saw its own protocol', async () => {
    const h2 = await h2Server();
    const h1 = await h1Server(true);
    const flow = [
      {
        name: 'h2',
        request: { url: `${h2.url}/data` },
        check: { status: 200, json: [{ path: '$.version', equals: '2.0' }] },
      },
      {
        name: 'h1',
        request: { url: `${h1.url}/data` },
        check: { status: 200, json: [{ path: '$.version', equals: '1.1' }] },
      },
    ];
    const lt = loadTest(
      h2.url,
      { s: { executor: 'per-vu-iterations', vus: 3, iterations: 4, flow } },
      { target: { baseURL: h2.url, negotiateHttp2: true, tls: { caFile: certs.caFile } } },
    );
    const summary = await run(lt);
    expect(summary.outcome).toBe('completed');
    for (const name of ['h1', 'h2']) {
      expect(stepOf(summary, name).requests).toBe(12);
      expect(stepOf(summary, name).failures).toBe(0);
    }
    expect(summary.totals.checks).toMatchObject({ fails: 0 });
    expect(h2.versions.filter((v) => v === '2.0')).toHaveLength(12);
    expect(h1.versions.filter((v) => v === '1.1')).toHaveLength(12);
  });
});
