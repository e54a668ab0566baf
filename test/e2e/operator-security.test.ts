import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { type ClusterEnv, pollUntil, startClusterEnv } from './cluster-env.js';

const NS = 'secure';

interface PodJson {
  metadata: { name: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
  spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] };
}

const loadTest = (name: string, spec: Record<string, unknown>) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: NS },
    spec,
  });

/** On a real control plane, with the process kubelet running runner pods on 127.0.77.x. */
describe('security on a real control plane', () => {
  let env: ClusterEnv;
  let target: TestServer;
  beforeAll(async () => {
    env = await startClusterEnv();
    target = await startServer((_req, res) => res.end('ok'));
    await env.kubectl(['create', 'namespace', NS]);
    // Long enough that a runner kept waiting for its sibling stays up while the test knocks on it.
    env.startController(['--ready-timeout', '2m']);
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await target?.close();
  });

  it("a runner's control routes refuse callers without the LoadTest's token, and no load is sent", async () => {
    // A quota of one pod keeps the second runner from existing, so the first waits for its start.
    await env.kubectl(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'one-pod', namespace: NS },
        spec: { hard: { pods: '1' } },
      }),
    );
    await pollUntil('the quota to be counted', 30_000, async () => {
      const q = JSON.parse(await env.kubectl(['get', 'resourcequota', 'one-pod', '-n', NS, '-o', 'json']));
      return q.status?.hard?.pods ? true : undefined;
    });
    const name = 'knock';
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest(name, {
        runners: 2,
        target: { baseURL: target.url },
        scenarios: {
          s: { executor: 'shared-iterations', vus: 1, iterations: 10, flow: [{ request: { url: '/' } }] },
        },
      }),
    );
    const pod = await pollUntil('one runner pod ready', 60_000, async () => {
      const pods = JSON.parse(
        await env.kubectl(['get', 'pods', '-n', NS, '-l', `stampede.dev/loadtest=${name}`, '-o', 'json']),
      ) as { items: PodJson[] };
      return pods.items.find((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    });
    // The token reaches the runner only by reference, from a Secret the LoadTest owns.
    const tokenEnv = pod.spec.containers[0]?.env.find((e) => e.name === 'STAMPEDE_CONTROL_TOKEN');
    expect(tokenEnv).toEqual({
      name: 'STAMPEDE_CONTROL_TOKEN',
      valueFrom: { secretKeyRef: { name: `${name}-control`, key: 'token' } },
    });
    const lt = await env.getLoadTest(name, NS);
    const secret = JSON.parse(
      await env.kubectl(['get', 'secret', `${name}-control`, '-n', NS, '-o', 'json']),
    ) as {
      metadata: { ownerReferences: { kind: string; uid: string }[] };
      data: { token: string };
    };
    expect(secret.metadata.ownerReferences).toMatchObject([{ kind: 'LoadTest', uid: lt?.metadata.uid }]);
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');

    const base = `http://${pod.status?.podIP}:8765`;
    const calls: [string, string, unknown?][] = [
      ['POST', '/start', { startAt: Date.now() }],
      ['POST', '/stop'],
      ['POST', '/release'],
      ['GET', '/snapshot'],
    ];
    for (const [method, path, body] of calls)
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdefghijklmnopq']) {
        const res = await fetch(`${base}${path}`, {
          method,
          ...(authorization ? { headers: { authorization } } : {}),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(`${method} ${path} (${authorization ?? 'no token'}): ${res.status}`).toBe(
          `${method} ${path} (${authorization ?? 'no token'}): 401`,
        );
      }
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // The holder of the token sees a runner that is still waiting: nothing above started or stopped it.
    const state = (await (
      await fetch(`${base}/snapshot`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { state: string };
    expect(state.state).toBe('waiting');
    await new Promise((r) => setTimeout(r, 500));
    expect(target.requests).toBe(0);
    await env.kubectl(['delete', 'lt', name, '-n', NS, '--wait=false']);
    await env.kubectl(['delete', 'resourcequota', 'one-pod', '-n', NS]);
  }, 120_000);
});
