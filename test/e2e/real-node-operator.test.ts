/**
 * The operator on the real node: runner pods are containers from the project's own image in a namespace
 * that enforces Pod Security "restricted", the spec reaches them as a mounted ConfigMap file (with a
 * configMap feeder of almost 1 MiB beside it, eight times what one environment variable could carry), and
 * a runner whose process dies is reported as a lost shard with what it measured kept. The load goes only
 * to the demo target, a pod of this cluster.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { containerPid, listPods, readyPod } from '../node/pods.js';
import { pollUntil, type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

const NS = 'load';
const ROWS = 10_000;

function loadTest(name: string, baseURL: string, spec: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: NS },
    spec: { target: { baseURL }, ...spec },
  });
}

const login = (username: string) => ({
  request: { method: 'POST', url: '/api/login', json: { username } },
  check: { status: 200 },
});

describe('the operator on the real node', () => {
  let env: RealClusterEnv;
  let baseURL: string;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(['create', 'namespace', NS]);
    await env.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({ namespace: NS })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const demo = await readyPod(env.kubectl, NS, 'app=demo-target');
    baseURL = `http://${demo.status?.podIP}:${DEMO_PORT}`;
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
  }, 120_000);

  const report = async (name: string) => {
    const cm = JSON.parse(
      await env.kubectl(['get', 'configmap', '-n', NS, `${name}-report`, '-o', 'json']),
    ) as { data: Record<string, string> };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };

  it('a feeder of almost 1 MiB reaches both runners through the mounted spec ConfigMap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stampede-feeder-'));
    const csv = join(dir, 'users.csv');
    const rows = Array.from(
      { length: ROWS },
      (_, i) => `user${String(i).padStart(5, '0')},${'t'.repeat(90)}`,
    );
    const text = `name,token\n${rows.join('\n')}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    writeFileSync(csv, text);
    await env.kubectl(['create', 'configmap', '-n', NS, 'users', `--from-file=${csv}`]);
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('feeder-1mib', baseURL, {
        runners: 2,
        feeders: { users: { configMap: { name: 'users', key: 'users.csv' } } },
        scenarios: {
          logins: {
            executor: 'per-vu-iterations',
            vus: 4,
            iterations: 5,
            flow: [login('${data.users.name}')],
          },
        },
      }),
    );
    const lt = await env.waitForPhase('feeder-1mib', ['Succeeded', 'Failed'], 120_000, NS);
    expect(lt.status, lt.status?.message).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Passed',
      runners: { display: '2/2' },
    });
    const summary = await report('feeder-1mib');
    expect(summary.shards.map((s) => s.requests)).toEqual([10, 10]);
    // The runners read the file the controller put beside the spec, not an environment variable.
    const spec = JSON.parse(
      await env.kubectl(['get', 'configmap', '-n', NS, 'feeder-1mib-spec', '-o', 'json']),
    ) as { data: Record<string, string> };
    expect(spec.data['feeder.users.csv']).toBe(text);
    const job = JSON.parse(
      await env.kubectl(['get', 'job', '-n', NS, 'feeder-1mib-runners', '-o', 'json']),
    ) as { spec: { template: { spec: { volumes: unknown[]; containers: { env: { name: string }[] }[] } } } };
    expect(job.spec.template.spec.volumes).toEqual([
      { name: 'spec', configMap: { name: 'feeder-1mib-spec', defaultMode: 420 } },
    ]);
    expect(job.spec.template.spec.containers[0]?.env.map((e) => e.name)).not.toContain('STAMPEDE_LOADTEST');
  }, 180_000);

  it('a runner container killed mid-test is a lost shard, and what it measured is kept', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('crash', baseURL, {
        runners: 2,
        scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '8s', flow: [login('u')] } },
      }),
    );
    await env.waitForPhase('crash', ['Running'], 90_000, NS);
    await new Promise((r) => setTimeout(r, 3000));
    const [victim] = await listPods(
      env.kubectl,
      NS,
      'stampede.dev/loadtest=crash,batch.kubernetes.io/job-completion-index=1',
    );
    expect(victim?.status?.phase).toBe('Running');
    process.kill(containerPid(victim as NonNullable<typeof victim>), 'SIGKILL');
    const lt = await env.waitForPhase('crash', ['Failed', 'Succeeded'], 90_000, NS);
    expect(lt.status).toMatchObject({ phase: 'Failed', lostShards: [1] });
    const summary = await report('crash');
    expect(summary.outcomeDetail).toMatch(/lost shard\(s\) 1/);
    const lost = summary.shards.find((s) => s.index === 1);
    expect(lost).toMatchObject({ lost: true });
    expect(lost?.requests).toBeGreaterThan(20);
    // The kubelet saw the container die: exit 137 from SIGKILL.
    const [dead] = await pollUntil('the killed runner pod Failed', 30_000, async () => {
      const pods = await listPods(
        env.kubectl,
        NS,
        'stampede.dev/loadtest=crash,batch.kubernetes.io/job-completion-index=1',
      );
      return pods[0]?.status?.phase === 'Failed' ? pods : undefined;
    });
    expect(dead?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
  }, 180_000);
});
