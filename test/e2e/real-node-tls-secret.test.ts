import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { GATEWAY_IP } from '../node/real-node.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

/**
 * A target that requires client certificates, reached over HTTP/2 by two runner containers on the real
 * node (across the pods' network to the node's bridge address) whose certificate and CA come from a
 * kubernetes.io/tls Secret, never from the LoadTest.
 */
describe('mutual TLS and HTTP/2 through the operator, the client certificate from a Secret', () => {
  let env: RealClusterEnv;
  let certs: TestCerts;
  let server: Http2SecureServer;
  let url: string;
  const clients = new Set<string>();
  const versions = new Set<string>();
  const sessions = new Set<ServerHttp2Session>();
  beforeAll(async () => {
    env = await startRealClusterEnv();
    certs = makeTestCerts([GATEWAY_IP]);
    const tls = {
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
      requestCert: true,
      rejectUnauthorized: true,
    };
    server = createSecureServer(tls, (req, res) => {
      clients.add(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      versions.add(req.httpVersion);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    server.on('session', (s) => sessions.add(s));
    // The bridge address exists once the node is up; the e2e policy allowlist holds 198.18.0.0/24.
    await new Promise<void>((resolve) => server.listen(0, GATEWAY_IP, resolve));
    url = `https://${GATEWAY_IP}:${(server.address() as AddressInfo).port}`;
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server?.close(resolve));
    certs?.remove();
  }, 120_000);

  it('runs to Succeeded with every request answered, and the spec holds no key', async () => {
    await env.kubectl([
      'create',
      'secret',
      'generic',
      'runner-cert',
      '--type=kubernetes.io/tls',
      `--from-file=tls.crt=${certs.clientCertFile}`,
      `--from-file=tls.key=${certs.clientKeyFile}`,
      `--from-file=ca.crt=${certs.caFile}`,
    ]);
    const check = { status: 200, json: [{ path: '$.ok', equals: true }] };
    const doc = {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'mtls', namespace: 'default' },
      spec: {
        runners: 2,
        target: { baseURL: url, http2: true, tls: { secret: 'runner-cert' } },
        scenarios: {
          get: {
            executor: 'constant-vus',
            vus: 4,
            duration: '3s',
            flow: [{ name: 'get', request: { url: '/api' }, check }],
          },
        },
      },
    };
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await env.waitForPhase('mtls', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase, JSON.stringify(lt.status)).toBe('Succeeded');
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', 'mtls-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    const step = summary.steps.find((s) => s.step === 'get');
    expect(step?.protocol).toBe('http2');
    expect(step?.requests).toBeGreaterThan(20);
    expect(summary.totals.failures).toBe(0);
    expect(clients).toEqual(new Set(['stampede-runner']));
    expect(versions).toEqual(new Set(['2.0']));
    const spec = await env.kubectl(['get', 'configmap', 'mtls-spec', '-o', 'json']);
    expect(spec).not.toContain('PRIVATE KEY');
  }, 150_000);
});
