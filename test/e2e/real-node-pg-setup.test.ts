/**
 * spec.postgres.setup in a cluster: shard 0's runner runs it before it reports ready (the real kubelet's
 * readiness probe sees it), so no shard's shared start comes before the tables exist; a failing setup fails
 * the LoadTest with its error. Real PostgreSQL on the node's bridge address, two runner containers on the
 * real node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { GATEWAY_IP, POD_SUBNET } from '../node/real-node.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

function loadTest(name: string, setup: string[]) {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: 2,
      target: { baseURL: 'http://127.0.0.1:1' },
      postgres: {
        urlFrom: { secretKeyRef: { name: 'setup-db', key: 'url' } },
        pool: 4,
        setup,
        teardown: ['DROP TABLE IF EXISTS setup_ledger'],
      },
      scenarios: {
        readers: {
          executor: 'constant-vus',
          vus: 4,
          duration: '3s',
          flow: [
            {
              name: 'read',
              pg: { query: 'SELECT count(*) FROM setup_ledger' },
              think: { constant: '20ms' },
            },
          ],
        },
      },
    },
  });
}

describe('PostgreSQL setup before the shared start (real node, 2 runners)', () => {
  let env: RealClusterEnv;
  let pg: TestPostgres;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    // The bridge address exists once the node is up; the e2e policy allowlist holds the pod network.
    pg = await startPostgres({ host: GATEWAY_IP, clients: POD_SUBNET });
    await env.kubectl(['create', 'secret', 'generic', 'setup-db', `--from-literal=url=${pg.url}`]);
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    pg?.stop();
  }, 120_000);

  const summaryOf = async (name: string) => {
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };

  it('a slow setup finishes before any shard queries the table it creates', async () => {
    // The table appears only after a pause longer than the controller's start lead (2 s): starting the
    // shards before the setup is done would fail shard 1's first queries with "relation does not exist".
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('pg-setup', [
        'DROP TABLE IF EXISTS setup_ledger',
        'SELECT pg_sleep(4)',
        'CREATE TABLE setup_ledger (id int)',
        'INSERT INTO setup_ledger SELECT generate_series(1, 100)',
      ]),
    );
    const lt = await env.waitForPhase('pg-setup', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    const summary = await summaryOf('pg-setup');
    expect(summary.errors.samples).toEqual([]);
    expect(lt.status?.phase).toBe('Succeeded');
    const reads = summary.steps.find((s) => s.step === 'read');
    expect(reads?.requests).toBeGreaterThan(50);
    expect(reads?.failures).toBe(0);
    // Both shards queried.
    expect(summary.shards.map((s) => s.requests > 0)).toEqual([true, true]);
  }, 120_000);

  it('a failing setup fails the LoadTest with the database error, and no load is sent', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('pg-setup-bad', ['SELECT * FROM no_such_table']));
    const lt = await env.waitForPhase('pg-setup-bad', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(/runner 0: spec\.postgres\.setup failed: .*no_such_table/);
    const summary = await summaryOf('pg-setup-bad');
    expect(summary.outcome).toBe('failed');
    expect(summary.totals.requests).toBe(0);
  }, 120_000);
});
