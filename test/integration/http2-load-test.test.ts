import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

describe('a load test over HTTP/2 (TLS, ALPN h2), with token extraction and a JSON check', () => {
  let certs: TestCerts;
  let server: Http2SecureServer;
  let url: string;
  let sessions = 0;
  const versions = new Set<string>();
  const open = new Set<ServerHttp2Session>();
  beforeAll(async () => {
    certs = makeTestCerts();
    server = createSecureServer({ cert: certs.serverCert, key: certs.serverKey }, (req, res) => {
      versions.add(req.httpVersion);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/login') return res.end('{"token":"t-42"}');
      res.end(JSON.stringify({ auth: req.headers.authorization, items: [{ id: 1 }] }));
    });
    server.on('session', (s) => {
      sessions++;
      open.add(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    certs.remove();
  });

  it('multiplexes 6 VUs over 2 sessions, checks every stream, and the report names HTTP/2', async () => {
    const lt = loadTest(
      url,
      {
        s: {
          executor: 'per-vu-iterations',
          vus: 6,
          iterations: 5,
          flow: [
            { name: 'login', request: { url: '/login' }, extract: { token: { json: '$.token' } } },
            {
              name: 'data',
              request: { url: '/data', headers: { authorization: 'Bearer ${vars.token}' } },
              check: { status: 200, json: [{ path: '$.auth', equals: 'Bearer t-42' }] },
            },
          ],
        },
      },
      { target: { baseURL: url, http2: true, connections: 2, tls: { caFile: certs.caFile } } },
    );
    const summary = await run(lt);
    expect(summary.outcome).toBe('completed');
    for (const name of ['login', 'data']) {
      const step = stepOf(summary, name);
      expect(step.protocol).toBe('http2');
      expect(step.requests).toBe(30);
      expect(step.failures).toBe(0);
    }
    expect(summary.totals.checks).toMatchObject({ fails: 0 });
    expect(versions).toEqual(new Set(['2.0']));
    expect(sessions).toBe(2);
    expect(renderMarkdown(summary)).toContain('s/data (HTTP/2)');
  });
});
