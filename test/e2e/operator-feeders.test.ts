import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ClusterEnv, startClusterEnv } from './cluster-env.js';

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

/**
 * configMap feeders the controller refuses before any runner exists, on a real control plane (no pod is
 * created, so the process kubelet is enough). Rows reaching runner containers through the mounted spec
 * file, striped across shards: real-node-operator.test.ts.
 */
describe('configMap feeders in the cluster', () => {
  let env: ClusterEnv;
  let target: Server;
  let baseURL: string;
  beforeAll(async () => {
    env = await startClusterEnv();
    // Nothing should reach it: both LoadTests fail before any runner exists.
    target = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await new Promise((resolve) => target?.close(resolve));
  });

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
