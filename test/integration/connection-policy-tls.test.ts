import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocal } from '../../src/local/coordinator.js';
import { loadTest } from '../helpers/load-test.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

/** The policy sits in openSocket, so TLS (HTTP/1.1), HTTP/2 sessions and the ALPN probe are checked like plain HTTP. */
describe('connection policy over TLS and HTTP/2', () => {
  let certs: TestCerts;
  let server: Http2SecureServer;
  let url: string;
  let requests = 0;
  let sessions = 0;
  const open = new Set<ServerHttp2Session>();
  beforeAll(async () => {
    certs = makeTestCerts();
    server = createSecureServer(
      { cert: certs.serverCert, key: certs.serverKey, allowHTTP1: true },
      (_req, res) => {
        requests++;
        res.end('ok');
      },
    );
    server.on('session', (s) => {
      sessions++;
      open.add(s);
    });
    server.on('secureConnection', () => sessions++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    certs.remove();
  });

  const modes = [
    { name: 'HTTPS/1.1', target: {} },
    { name: 'HTTP/2', target: { http2: true } },
    // The ALPN probe opens its socket through openSocket too: refused before any handshake.
    { name: 'HTTP/2 by ALPN', target: { negotiateHttp2: true } },
  ];
  for (const mode of modes) {
    it(`${mode.name}: an address outside the policy is never dialled; inside, it is`, async () => {
      const lt = loadTest(
        url,
        {
          s: {
            executor: 'shared-iterations',
            vus: 2,
            iterations: 4,
            flow: [{ name: 'get', request: { url: '/' } }],
          },
        },
        { target: { baseURL: url, ...mode.target, tls: { caFile: certs.caFile } } },
      );
      const before = { requests, sessions };
      const run = (entries: string[]) =>
        runLocal({ loadTest: lt, baseDir: tmpdir(), env: {}, workers: 1, policy: { entries } });
      const refused = (await run(['10.0.0.0/8'])).summary;
      expect(refused.errors.byClass.policy_denied).toBe(4);
      expect({ requests, sessions }).toEqual(before);
      const allowed = (await run(['127.0.0.1/32'])).summary;
      expect(allowed.errors.byClass.policy_denied).toBe(0);
      expect(requests).toBe(before.requests + 4);
    });
  }
});
