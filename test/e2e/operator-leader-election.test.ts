import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { type ClusterEnv, pollUntil, startClusterEnv } from './cluster-env.js';

const loadTest = (name: string, baseURL: string) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: 2,
      target: { baseURL },
      scenarios: {
        s: { executor: 'shared-iterations', vus: 2, iterations: 200, flow: [{ request: { url: '/' } }] },
      },
    },
  });

interface Lease {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}

/** Two controller replicas with leader election: one reconciles, the other takes over when it dies. */
describe('leader election', () => {
  let env: ClusterEnv;
  let server: TestServer;
  const replicas = new Map<string, ChildProcess>();
  beforeAll(async () => {
    env = await startClusterEnv();
    server = await startServer((_req, res) => res.end('ok'));
    for (const id of ['replica-a', 'replica-b']) {
      replicas.set(
        id,
        env.startController(['--leader-elect', '--lease-namespace', 'default'], { POD_NAME: id }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas.values()) r.kill('SIGKILL');
    await env?.stop();
    await server?.close();
  });

  const holder = async () =>
    (JSON.parse(await env.kubectl(['get', 'lease', 'stampede-controller', '-o', 'json'])) as Lease).spec;

  it('exactly one replica leads, and a LoadTest runs once', async () => {
    const lease = await pollUntil('a leader', 30_000, async () => (await holder()).holderIdentity);
    expect(['replica-a', 'replica-b']).toContain(lease);
    const before = server.requests;
    await env.kubectl(['apply', '-f', '-'], loadTest('first', server.url));
    const lt = await env.waitForPhase('first', ['Succeeded', 'Failed'], 60_000);
    expect(lt.status?.phase).toBe('Succeeded');
    expect(server.requests - before).toBe(200);
    const jobs = JSON.parse(
      await env.kubectl(['get', 'jobs', '-l', 'stampede.dev/loadtest=first', '-o', 'json']),
    ) as { items: unknown[] };
    expect(jobs.items).toHaveLength(1);
  }, 90_000);

  it('when the leader dies, the other replica takes over the lease and the work', async () => {
    const leader = (await holder()).holderIdentity as string;
    replicas.get(leader)?.kill('SIGKILL');
    const next = await pollUntil('a new leader', 45_000, async () => {
      const spec = await holder();
      return spec.holderIdentity !== leader ? spec : undefined;
    });
    expect(next.holderIdentity).not.toBe(leader);
    expect(next.leaseTransitions).toBeGreaterThanOrEqual(1);
    await env.kubectl(['apply', '-f', '-'], loadTest('second', server.url));
    expect((await env.waitForPhase('second', ['Succeeded', 'Failed'], 60_000)).status?.phase).toBe(
      'Succeeded',
    );
  }, 120_000);
});
