import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { readyPod } from '../node/pods.js';
import { GATEWAY_IP, POD_SUBNET } from '../node/real-node.js';
import { type RealClusterEnv, ROOT, startRealClusterEnv } from './cluster-env.js';

/**
 * The WebSocket and PostgreSQL examples through the operator on the real node: runner containers hold
 * WebSocket sessions with the demo target (a pod) and PostgreSQL connections to a real server on the node's
 * bridge address, across the pods' network; the database URL comes from a Secret.
 */
describe('ws and pg examples on the real node', () => {
  let env: RealClusterEnv;
  let demoURL: string;
  let pg: TestPostgres;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({ namespace: 'default' })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    // The bridge address exists once the node is up; the e2e policy allowlist holds the pod network.
    pg = await startPostgres({ host: GATEWAY_IP, clients: POD_SUBNET });
    const demo = await readyPod(env.kubectl, 'default', 'app=demo-target');
    demoURL = `http://${demo.status?.podIP}:${DEMO_PORT}`;
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    pg?.stop();
  }, 120_000);

  const example = (file: string) => parse(readFileSync(join(ROOT, 'examples', file), 'utf8'));
  const summaryOf = async (name: string) => {
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };

  it('examples/postgres-mix.yaml with 2 runners reads its database URL from a Secret', async () => {
    await env.kubectl(['create', 'secret', 'generic', 'shop-db', `--from-literal=url=${pg.url}`]);
    const doc = example('postgres-mix.yaml');
    doc.metadata = { name: 'pg-mix', namespace: 'default' };
    doc.spec.runners = 2;
    // The inline URL (and the env var it came from) give way to the Secret reference.
    const { url: _inline, ...postgres } = doc.spec.postgres;
    doc.spec.postgres = { ...postgres, urlFrom: { secretKeyRef: { name: 'shop-db', key: 'url' } } };
    delete doc.spec.env;
    doc.spec.scenarios.bank.duration = '4s';
    doc.spec.scenarios.bank.vus = 6;
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await env.waitForPhase('pg-mix', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase).toBe('Succeeded');
    const summary = await summaryOf('pg-mix');
    const reads = summary.steps.find((s) => s.step === 'read-balance');
    expect(reads?.requests).toBeGreaterThan(50);
    expect(summary.totals.failures).toBe(0);
    // The spec the runners got holds only the Secret reference, never the URL itself.
    const spec = await env.kubectl(['get', 'configmap', 'pg-mix-spec', '-o', 'json']);
    expect(spec).not.toContain(pg.url);
  }, 120_000);

  it('examples/websocket-chat.yaml against the demo target', async () => {
    const doc = example('websocket-chat.yaml');
    doc.metadata = { name: 'ws-chat', namespace: 'default' };
    doc.spec.runners = 2;
    doc.spec.target.baseURL = demoURL;
    for (const scenario of Object.values(doc.spec.scenarios) as Record<string, unknown>[]) {
      scenario.duration = '4s';
    }
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await env.waitForPhase('ws-chat', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase).toBe('Succeeded');
    const summary = await summaryOf('ws-chat');
    expect(summary.steps.find((s) => s.step === 'ping')?.requests).toBeGreaterThan(20);
    expect(summary.totals.failures).toBe(0);
  }, 120_000);
});
