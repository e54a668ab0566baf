/**
 * The operator on the real node: runner pods are containers from the project's own image in a namespace
 * that enforces Pod Security "restricted", the spec reaches them as a mounted ConfigMap file (with a
 * configMap feeder of almost 1 MiB beside it, eight times what one environment variable could carry, its
 * rows striped across the runners), and a runner OOM-killed by its memory limit is a lost shard with the
 * kubelet's reason in the report. Targets: a server on the node's bridge address that records who logged
 * in, and the demo target as a pod of this cluster. The other faults: real-node-faults.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { listPods, readyPod } from '../node/pods.js';
import { GATEWAY_IP } from '../node/real-node.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

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
  let logins: TestServer;
  const users: string[] = [];
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(['create', 'namespace', NS]);
    await env.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
    // The bridge address exists once the node is up; the e2e policy allowlist holds 198.18.0.0/24.
    logins = await startServer((_req, res, body) => {
      users.push((JSON.parse(body) as { username: string }).username);
      return json(res, 200, { token: 't' });
    }, GATEWAY_IP);
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    await logins?.close();
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
      loadTest('feeder-1mib', logins.url, {
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
    // Rows striped across the shards (shard 0 takes rows 0, 2, 4...; shard 1 rows 1, 3, 5...): the first
    // twenty rows, each once. A shard reusing the other's rows would show some users twice.
    expect([...users].sort()).toEqual(rows.slice(0, 20).map((r) => r.split(',')[0]));
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

  it('a runner OOM-killed by its memory limit is a lost shard, and the report says OOMKilled', async () => {
    // The operator's runner settings (the chart's runner.resources): a limit the run will outgrow.
    await env.stopController();
    const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '160Mi' } };
    env.startController([], {
      STAMPEDE_RUNNER_POD: JSON.stringify({ imagePullPolicy: 'Never', resources }),
    });
    // A target of its own with room for the connections (ramping to thousands of thinking VUs).
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({
        namespace: NS,
        name: 'roomy-target',
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '1Gi' } },
      })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const roomy = await readyPod(env.kubectl, NS, 'app=roomy-target');
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('oom', `http://${roomy.status?.podIP}:${DEMO_PORT}`, {
        runners: 1,
        scenarios: {
          // Each VU holds its connection and state while it thinks: memory grows with the VU count.
          s: {
            executor: 'ramping-vus',
            startVUs: 0,
            stages: [{ duration: '10s', target: 20_000 }],
            flow: [{ ...login('u'), think: { constant: '20s' } }],
          },
        },
      }),
    );
    const lt = await env.waitForPhase('oom', ['Succeeded', 'Failed'], 120_000, NS);
    expect(lt.status).toMatchObject({ phase: 'Failed', lostShards: [0] });
    const [pod] = await listPods(env.kubectl, NS, 'stampede.dev/loadtest=oom');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
    const summary = await report('oom');
    expect(summary.outcomeDetail).toMatch(/^lost shard\(s\) 0: shard 0: OOMKilled, exit 137;/);
  }, 180_000);
});
