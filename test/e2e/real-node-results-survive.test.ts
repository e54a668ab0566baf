/**
 * Results survive the controller: what runners reported is checkpointed in ConfigMaps owned by the
 * LoadTest, and runners hold their final results until the controller releases them (no fixed linger;
 * the Job's activeDeadlineSeconds bounds the wait). Runner containers on the real node, the controller a
 * process it kills and restarts, the target a server on the node's bridge address.
 */
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHECKPOINT_EVERY_MS } from '../../src/controller/decide-checkpoint.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';
import type { Summary } from '../../src/report/summary.js';
import type { RunnerState } from '../../src/runner/protocol.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { containerPid, listPods } from '../node/pods.js';
import { GATEWAY_IP } from '../node/real-node.js';
import { pollUntil, type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

function loadTest(name: string, baseURL: string, runners: number, duration: string) {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners,
      target: { baseURL },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: runners * 2,
          duration,
          flow: [{ name: 'get', request: { url: '/ok' }, think: { constant: '20ms' } }],
        },
      },
    },
  });
}

describe('results survive the controller (real node)', () => {
  let env: RealClusterEnv;
  let server: TestServer;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    // The bridge address exists once the node is up; the e2e policy allowlist holds 198.18.0.0/24.
    server = await startServer((_req, res) => res.end('ok'), GATEWAY_IP);
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    await server?.close();
  }, 120_000);
  beforeEach(() => {
    env.startController();
  });
  afterEach(() => env.stopController());

  const report = async (name: string) => {
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };
  const runnerPods = async (name: string) =>
    (
      JSON.parse(await env.kubectl(['get', 'pods', '-l', `stampede.dev/loadtest=${name}`, '-o', 'json'])) as {
        items: { metadata: { name: string }; status?: { podIP?: string } }[];
      }
    ).items;
  const checkpoints = async (name: string) =>
    (
      await env.kubectl([
        'get',
        'configmaps',
        '-l',
        `stampede.dev/loadtest=${name},stampede.dev/component=checkpoint`,
        '-o',
        'name',
      ])
    )
      .trim()
      .split('\n')
      .filter(Boolean);
  const checkpointRequests = async (name: string, index: number) => {
    const cm = JSON.parse(
      await env.kubectl(['get', 'configmap', `${name}-shard-${index}`, '-o', 'json']),
    ) as {
      binaryData: Record<string, string>;
    };
    const snapshot = JSON.parse(
      gunzipSync(Buffer.from(cm.binaryData['snapshot.json.gz'] as string, 'base64')).toString('utf8'),
    ) as ShardSnapshot;
    return snapshot.steps.reduce((n, s) => n + s.requests, 0);
  };
  const running = async (name: string) =>
    (await listPods(env.kubectl, 'default', `stampede.dev/loadtest=${name}`)).filter(
      (p) => p.status?.phase === 'Running',
    );
  const noRunnersLeft = (name: string) =>
    pollUntil(`${name} runner containers to exit`, 60_000, async () =>
      (await running(name)).length ? undefined : true,
    );

  it('controller killed, then a runner killed, then the controller restarted: the report holds every shard', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('survive', server.url, 3, '20s'));
    await env.waitForPhase('survive', ['Running'], 60_000);
    await pollUntil('a checkpoint for every shard', 30_000, async () =>
      (await checkpoints('survive')).length === 3 ? true : undefined,
    );
    // Wait (no fixed sleep: the machine may be busy) until every shard's checkpoint holds load; the second
    // one comes CHECKPOINT_EVERY_MS of run after the first.
    await pollUntil('every checkpoint to hold load', CHECKPOINT_EVERY_MS + 30_000, async () => {
      const held = await Promise.all([0, 1, 2].map((i) => checkpointRequests('survive', i)));
      return held.every((n) => n > 20) ? true : undefined;
    });
    await env.stopController();
    const [victim] = await listPods(
      env.kubectl,
      'default',
      'stampede.dev/loadtest=survive,batch.kubernetes.io/job-completion-index=1',
    );
    expect(victim?.status?.phase).toBe('Running');
    process.kill(containerPid(victim as NonNullable<typeof victim>), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    env.startController();
    const lt = await env.waitForPhase('survive', ['Failed', 'Succeeded'], 60_000);
    expect(lt.status).toMatchObject({ phase: 'Failed', lostShards: [1] });
    const summary = await report('survive');
    const lost = summary.shards.find((s) => s.index === 1);
    // The new controller process never saw shard 1: its results come from the checkpoint.
    expect(lost).toMatchObject({ lost: true });
    expect(lost?.requests).toBeGreaterThan(20);
    for (const index of [0, 2]) {
      const shard = summary.shards.find((s) => s.index === index);
      expect(shard).toMatchObject({ done: true });
      expect(shard?.lost).toBeFalsy();
    }
    expect(summary.totals.requests).toBe(summary.shards.reduce((n, s) => n + s.requests, 0));
    await noRunnersLeft('survive');
  }, 120_000);

  it('controller down until well after the runners finished: they wait for it, and nothing is lost', async () => {
    const before = server.requests;
    await env.kubectl(['apply', '-f', '-'], loadTest('late', server.url, 2, '3s'));
    await env.waitForPhase('late', ['Running'], 60_000);
    await env.stopController();
    const pods = await runnerPods('late');
    expect(pods).toHaveLength(2);
    // Runners answer only their controller: the test reads their state with the token from the LoadTest's Secret.
    const secret = JSON.parse(await env.kubectl(['get', 'secret', 'late-control', '-o', 'json'])) as {
      data: { token: string };
    };
    const authorization = `Bearer ${Buffer.from(secret.data.token, 'base64').toString('utf8')}`;
    // Both runners finish while no controller is there to collect.
    await pollUntil('both runners done', 30_000, async () => {
      const states = await Promise.all(
        pods.map(async (p) => {
          const res = await request(`http://${p.status?.podIP}:8765/snapshot`, {
            headers: { authorization },
          });
          return ((await res.body.json()) as RunnerState).state;
        }),
      );
      return states.every((s) => s === 'done') ? true : undefined;
    });
    // The old design exited after a fixed linger; now there is no timer, only /release or the Job deadline.
    await new Promise((r) => setTimeout(r, 8000));
    expect(await running('late')).toHaveLength(2);
    const job = JSON.parse(await env.kubectl(['get', 'job', 'late-runners', '-o', 'json'])) as {
      spec: { activeDeadlineSeconds?: number };
    };
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(3600);
    env.startController();
    const lt = await env.waitForPhase('late', ['Succeeded', 'Failed'], 60_000);
    expect(lt.status?.phase).toBe('Succeeded');
    expect(lt.status?.lostShards ?? []).toEqual([]);
    // Every request the target answered is in the report.
    expect(lt.status?.requests).toBe(server.requests - before);
    await noRunnersLeft('late');
  }, 120_000);
});
