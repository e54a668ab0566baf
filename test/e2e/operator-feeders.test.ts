import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { type ClusterEnv, startClusterEnv } from './cluster-env.js';

const USERS = Array.from({ length: 8 }, (_, i) => `user${i}`);

function loadTest(name: string, baseURL: string, feeder: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      target: { baseURL },
      runners: 2,
      feeders: { users: feeder },
      scenarios: {
        // One VU per shard, four iterations each: eight rows handed out once each if shards stripe them.
        logins: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 4,
          flow: [{ request: { url: '/login/${data.users.name}' }, check: { status: 200 } }],
        },
      },
    },
  });
}

/** CSV feeders from a ConfigMap, on a real control plane with runner processes. */
describe('configMap feeders in the cluster', () => {
  let env: ClusterEnv;
  let target: Server;
  let baseURL: string;
  const seen: string[] = [];
  beforeAll(async () => {
    env = await startClusterEnv();
    target = createServer((req, res) => {
      const user = /^\/login\/(.*)$/.exec(req.url ?? '')?.[1];
      if (user) seen.push(decodeURIComponent(user));
      res.end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await new Promise((resolve) => target?.close(resolve));
  });

  it('a CSV from kubectl create configmap reaches both runners, its rows striped across the shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stampede-feeder-'));
    const csv = join(dir, 'users.csv');
    writeFileSync(csv, `name,password\n${USERS.map((u) => `${u},pw-${u}`).join('\n')}\n`);
    await env.kubectl(['create', 'configmap', 'users', `--from-file=${csv}`]);
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('feeder-csv', baseURL, { configMap: { name: 'users', key: 'users.csv' } }),
    );
    const lt = await env.waitForPhase('feeder-csv', ['Succeeded', 'Failed'], 90_000);
    expect(lt.status).toMatchObject({ phase: 'Succeeded', verdict: 'Passed', runners: { display: '2/2' } });
    // Every row once: a shard reusing the other's rows would show some users twice and others never.
    expect([...seen].sort()).toEqual(USERS);
    const report = JSON.parse(await env.kubectl(['get', 'configmap', 'feeder-csv-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(report.data['summary.json'] as string) as Summary;
    expect(summary.shards.map((s) => s.requests)).toEqual([4, 4]);
  }, 120_000);

  it('a missing ConfigMap fails the LoadTest with FeederNotFound before any runner exists', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('feeder-missing', baseURL, { configMap: { name: 'nobody', key: 'users.csv' } }),
    );
    const lt = await env.waitForPhase('feeder-missing', ['Failed', 'Running', 'Succeeded'], 30_000);
    expect(lt.status).toMatchObject({ phase: 'Failed', verdict: 'Failed' });
    expect(lt.status?.message).toBe(
      'spec.feeders.users.configMap: ConfigMap default/nobody not found; create it with kubectl create configmap nobody --from-file=users.csv',
    );
    const events = await env.kubectl([
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=feeder-missing,reason=FeederNotFound',
      '-o',
      'name',
    ]);
    expect(events.trim().split('\n')).toHaveLength(1);
    const jobs = await env.kubectl([
      'get',
      'jobs',
      '-l',
      'stampede.dev/loadtest=feeder-missing',
      '-o',
      'name',
    ]);
    expect(jobs.trim()).toBe('');
  }, 60_000);

  it('a file-path feeder fails fast and points to configMap', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('feeder-path', baseURL, { csv: 'users.csv' }));
    const lt = await env.waitForPhase('feeder-path', ['Failed', 'Running', 'Succeeded'], 30_000);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(
      /^spec\.feeders\.users\.csv: a file path .* use configMap: \{ name: NAME, key: FILE \}$/,
    );
  }, 60_000);
});
