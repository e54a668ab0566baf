/**
 * spec.env from a Secret through the operator on the real node: the runner containers get the value from
 * the Secret (env valueFrom.secretKeyRef, filled in by the real kubelet), the spec ConfigMap and the report
 * hold only the reference, and the per-VU setup, `if` and `retry` fields pass the apiserver's schema. The
 * target is a server on the node's bridge address, where the runner pods reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { GATEWAY_IP } from '../node/real-node.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

const API_KEY = 'key-7d0c3b2a-from-a-secret';

describe('spec.env valueFrom.secretKeyRef through the operator', () => {
  let env: RealClusterEnv;
  let server: TestServer;
  const keys: string[] = [];
  beforeAll(async () => {
    env = await startRealClusterEnv();
    // The bridge address exists once the node is up; the e2e policy allowlist holds 198.18.0.0/24.
    server = await startServer((req, res) => {
      if (req.url === '/login') {
        keys.push(String(req.headers['x-api-key']));
        return req.headers['x-api-key'] === API_KEY
          ? json(res, 200, { token: 'session-1' })
          : json(res, 403, {});
      }
      return json(res, req.headers.authorization === 'Bearer session-1' ? 200 : 401, { ok: true });
    }, GATEWAY_IP);
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    await server?.close();
  }, 120_000);

  it('runner pods read the Secret; nothing the controller writes holds its value', async () => {
    await env.kubectl(['create', 'secret', 'generic', 'api-key', `--from-literal=key=${API_KEY}`]);
    const manifest = {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'secret-env', namespace: 'default' },
      spec: {
        target: { baseURL: server.url },
        env: { API_KEY: { valueFrom: { secretKeyRef: { name: 'api-key', key: 'key' } } }, PLAN: 'pro' },
        runners: 2,
        scenarios: {
          api: {
            executor: 'per-vu-iterations',
            vus: 2,
            iterations: 5,
            lifecycle: {
              setup: [
                {
                  name: 'login',
                  request: { method: 'POST', url: '/login', headers: { 'x-api-key': '${env.API_KEY}' } },
                  extract: { token: { json: '$.token' } },
                  check: { status: 200 },
                },
              ],
            },
            flow: [
              {
                name: 'data',
                if: 'vars.token != null',
                request: {
                  url: '/data?plan=${env.PLAN}',
                  headers: { authorization: 'Bearer ${vars.token}' },
                },
                retry: { max: 1, statuses: [401], backoff: '10ms' },
                check: { status: 200 },
              },
            ],
          },
        },
      },
    };
    await env.kubectl(['apply', '-f', '-'], stringify(manifest));
    const lt = await env.waitForPhase('secret-env', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status).toMatchObject({ phase: 'Succeeded', verdict: 'Passed' });
    // Two runners, one VU each: one login per VU, with the Secret's value.
    expect(keys).toEqual([API_KEY, API_KEY]);
    const report = JSON.parse(await env.kubectl(['get', 'configmap', 'secret-env-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(report.data['summary.json'] as string) as Summary;
    expect(summary.steps.find((s) => s.step === 'data')?.requests).toBe(10);
    expect(summary.totals.failures).toBe(0);
    // The Job passes a reference; the spec ConfigMap and the report never see the value.
    const job = JSON.parse(
      await env.kubectl(['get', 'job', '-l', 'stampede.dev/loadtest=secret-env', '-o', 'json']),
    ) as {
      items: { spec: { template: { spec: { containers: { env: unknown[] }[] } } } }[];
    };
    expect(job.items[0]?.spec.template.spec.containers[0]?.env).toContainEqual({
      name: 'STAMPEDE_ENV_API_KEY',
      valueFrom: { secretKeyRef: { name: 'api-key', key: 'key' } },
    });
    const spec = await env.kubectl(['get', 'configmap', 'secret-env-spec', '-o', 'json']);
    expect(spec).toContain('api-key');
    expect(spec).not.toContain(API_KEY);
    expect(JSON.stringify(report)).not.toContain(API_KEY);
  }, 150_000);
});
