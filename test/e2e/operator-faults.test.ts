import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { type ClusterEnv, pollUntil, startClusterEnv } from './cluster-env.js';

function loadTest(
  name: string,
  baseURL: string,
  opts: { runners: number; duration: string; path?: string; thresholds?: unknown },
) {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: opts.runners,
      target: { baseURL },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: opts.runners * 2,
          duration: opts.duration,
          flow: [{ name: 'get', request: { url: opts.path ?? '/ok' }, think: { constant: '20ms' } }],
        },
      },
      ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
    },
  });
}

describe('operator failure handling on a real control plane', () => {
  let env: ClusterEnv;
  let server: TestServer;
  beforeAll(async () => {
    env = await startClusterEnv();
    server = await startServer((req, res) =>
      req.url === '/fail' ? json(res, 500, { error: 'down' }) : res.end('ok'),
    );
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await server?.close();
  });
  beforeEach(() => {
    expect(env.kubelet.running()).toEqual([]);
  });

  const report = async (name: string) => {
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };
  const noRunnersLeft = (name: string) =>
    pollUntil(`${name} runner processes to exit`, 30_000, async () =>
      env.kubelet.running().some((k) => k.includes(name)) ? undefined : true,
    );

  it('an abortOnFail threshold on merged data stops every runner early, verdict Failed', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('abort', server.url, {
        runners: 2,
        duration: '60s',
        path: '/fail',
        thresholds: { errors: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '1s' }] },
      }),
    );
    const started = Date.now();
    const lt = await env.waitForPhase('abort', ['Aborted', 'Succeeded', 'Failed'], 60_000);
    expect(lt.status).toMatchObject({
      phase: 'Aborted',
      verdict: 'Failed',
      abortedBy: 'errors rate<0.05 failed (abortOnFail)',
    });
    expect(Date.now() - started).toBeLessThan(40_000);
    const summary = await report('abort');
    expect(summary.outcome).toBe('aborted-by-threshold');
    expect(summary.durationSeconds).toBeLessThan(30);
    await noRunnersLeft('abort');
  }, 90_000);

  it('a runner killed mid-test is reported as a lost shard, and what it measured is kept', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('crash', server.url, { runners: 3, duration: '8s' }));
    await env.waitForPhase('crash', ['Running'], 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    const victim = env.kubelet.running().find((k) => /crash-runners-1-/.test(k)) as string;
    expect(victim).toBeDefined();
    expect(env.kubelet.crash('default', victim.split('/')[1] as string)).toBe(true);
    const lt = await env.waitForPhase('crash', ['Failed', 'Succeeded'], 60_000);
    expect(lt.status).toMatchObject({ phase: 'Failed', lostShards: [1] });
    const summary = await report('crash');
    expect(summary.outcomeDetail).toMatch(/lost shard\(s\) 1/);
    const lost = summary.shards.find((s) => s.index === 1);
    expect(lost).toMatchObject({ lost: true });
    // The crashed shard's last snapshot still counts: about 3 s of its load is in the report.
    expect(lost?.requests).toBeGreaterThan(20);
    expect(summary.totals.requests).toBe(summary.shards.reduce((n, s) => n + s.requests, 0));
    await noRunnersLeft('crash');
  }, 90_000);

  it('a controller restarted mid-test continues: one Job, no lost results', async () => {
    const before = server.requests;
    await env.kubectl(['apply', '-f', '-'], loadTest('restart', server.url, { runners: 2, duration: '8s' }));
    await env.waitForPhase('restart', ['Running'], 60_000);
    await env.stopController();
    await new Promise((r) => setTimeout(r, 2000));
    env.startController();
    const lt = await env.waitForPhase('restart', ['Succeeded', 'Failed'], 60_000);
    expect(lt.status?.phase).toBe('Succeeded');
    const jobs = JSON.parse(
      await env.kubectl(['get', 'jobs', '-l', 'stampede.dev/loadtest=restart', '-o', 'json']),
    ) as { items: unknown[] };
    expect(jobs.items).toHaveLength(1);
    // Every request the target answered is in the merged result.
    expect(lt.status?.requests).toBe(server.requests - before);
    await noRunnersLeft('restart');
  }, 90_000);

  it('deleting a LoadTest mid-test stops its runners and removes everything it owned', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('gone', server.url, { runners: 2, duration: '60s' }));
    await env.waitForPhase('gone', ['Running'], 60_000);
    await env.kubectl(['delete', 'lt', 'gone', '--wait=true']);
    await noRunnersLeft('gone');
    await pollUntil('owned objects to be garbage-collected', 60_000, async () => {
      const left = await env.kubectl([
        'get',
        'jobs,pods,configmaps',
        '-l',
        'stampede.dev/loadtest=gone',
        '-o',
        'name',
      ]);
      return left.trim() === '' ? true : undefined;
    });
  }, 90_000);
});
