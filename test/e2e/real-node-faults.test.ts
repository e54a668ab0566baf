/**
 * Faults on the real node, each still giving a report with everything measured so far, marked for what
 * happened: an abortOnFail threshold, a runner container SIGKILLed, a runner pod deleted (SIGTERM from the
 * kubelet), the controller killed and restarted, and the LoadTest deleted. Runners are containers from the
 * project's own image in a namespace enforcing Pod Security "restricted". The target is a server this test
 * starts on the node's bridge address (the host side of the pods' network), so it counts every request the
 * runners sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { containerPid, listPods } from '../node/pods.js';
import { GATEWAY_IP } from '../node/real-node.js';
import { pollUntil, type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

const NS = 'faults';

function loadTest(
  name: string,
  baseURL: string,
  opts: { duration: string; path?: string; thresholds?: unknown },
): string {
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: NS },
    spec: {
      runners: 2,
      target: { baseURL },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: 4,
          duration: opts.duration,
          flow: [{ name: 'get', request: { url: opts.path ?? '/ok' }, think: { constant: '20ms' } }],
        },
      },
      ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
    },
  });
}

describe('operator faults on the real node', () => {
  let env: RealClusterEnv;
  let server: TestServer;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(['create', 'namespace', NS]);
    await env.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
    // The bridge address exists once the node is up; the e2e policy allowlist holds 198.18.0.0/24.
    server = await startServer(
      (req, res) => (req.url === '/fail' ? json(res, 500, { error: 'down' }) : res.end('ok')),
      GATEWAY_IP,
    );
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
    await server?.close();
  }, 120_000);

  const report = async (name: string) => {
    const cm = JSON.parse(
      await env.kubectl(['get', 'configmap', '-n', NS, `${name}-report`, '-o', 'json']),
    ) as { data: Record<string, string> };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };
  const runnerPod = async (name: string, index: number) => {
    const [pod] = await listPods(
      env.kubectl,
      NS,
      `stampede.dev/loadtest=${name},batch.kubernetes.io/job-completion-index=${index}`,
    );
    expect(pod?.status?.phase).toBe('Running');
    return pod as NonNullable<typeof pod>;
  };
  /**
   * Running, and the controller has pulled snapshots holding load from the runners (no fixed sleep: on a
   * busy machine the start lead and the pull interval stretch).
   */
  const runningAWhile = async (name: string) => {
    await env.waitForPhase(name, ['Running'], 90_000, NS);
    await pollUntil(`${name}: 200 requests in the pulled snapshots`, 60_000, async () => {
      const lt = await env.getLoadTest(name, NS);
      return (lt?.status?.requests ?? 0) >= 200 ? true : undefined;
    });
  };
  const noRunnersLeft = (name: string) =>
    pollUntil(`${name} runner containers to be gone`, 60_000, async () => {
      const pods = await listPods(env.kubectl, NS, `stampede.dev/loadtest=${name}`);
      return pods.every((p) => p.status?.phase !== 'Running') ? true : undefined;
    });

  it('an abortOnFail threshold on merged data stops every runner early, verdict Failed', async () => {
    const thresholds = { errors: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '1s' }] };
    await env.kubectl(
      ['apply', '-f', '-'],
      loadTest('abort', server.url, { duration: '60s', path: '/fail', thresholds }),
    );
    const started = Date.now();
    const lt = await env.waitForPhase('abort', ['Aborted', 'Succeeded', 'Failed'], 90_000, NS);
    expect(lt.status).toMatchObject({
      phase: 'Aborted',
      verdict: 'Failed',
      abortedBy: 'errors rate<0.05 failed (abortOnFail)',
    });
    expect(Date.now() - started).toBeLessThan(50_000);
    const summary = await report('abort');
    expect(summary.outcome).toBe('aborted-by-threshold');
    expect(summary.durationSeconds).toBeLessThan(30);
    await noRunnersLeft('abort');
  }, 150_000);

  it('a runner container SIGKILLed mid-test is a lost shard with its exit code, what it measured kept', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('crash', server.url, { duration: '10s' }));
    await runningAWhile('crash');
    process.kill(containerPid(await runnerPod('crash', 1)), 'SIGKILL');
    const lt = await env.waitForPhase('crash', ['Failed', 'Succeeded'], 90_000, NS);
    expect(lt.status).toMatchObject({ phase: 'Failed', lostShards: [1] });
    const summary = await report('crash');
    // The kubelet saw the container die of SIGKILL: its reason and exit code are in the report.
    expect(summary.outcomeDetail).toMatch(/^lost shard\(s\) 1: shard 1: \w+, exit 137;/);
    const lost = summary.shards.find((s) => s.index === 1);
    expect(lost).toMatchObject({ lost: true });
    // Its last pulled snapshot still counts: its share of the 200 requests seen before the kill, or more.
    expect(lost?.requests).toBeGreaterThan(20);
    expect(summary.totals.requests).toBe(summary.shards.reduce((n, s) => n + s.requests, 0));
    await noRunnersLeft('crash');
  }, 150_000);

  it('a runner pod deleted mid-test stops on SIGTERM: a lost shard that says so, all it measured kept', async () => {
    const before = server.requests;
    await env.kubectl(['apply', '-f', '-'], loadTest('deleted', server.url, { duration: '10s' }));
    await runningAWhile('deleted');
    // What a drain or an eviction does: the kubelet sends SIGTERM and waits out the grace period.
    const victim = await runnerPod('deleted', 1);
    await env.kubectl(['delete', 'pod', '-n', NS, victim.metadata.name, '--wait=false']);
    const lt = await env.waitForPhase('deleted', ['Failed', 'Succeeded'], 90_000, NS);
    expect(lt.status, lt.status?.message).toMatchObject({ phase: 'Failed', lostShards: [1] });
    const summary = await report('deleted');
    expect(summary.outcomeDetail).toMatch(/^lost shard\(s\) 1: shard 1: stopped early by SIGTERM/);
    const [lost, kept] = [1, 0].map((i) => summary.shards.find((s) => s.index === i));
    expect(lost).toMatchObject({ lost: true });
    expect(lost?.requests).toBeGreaterThan(20);
    expect(lost?.requests).toBeLessThan(kept?.requests as number);
    // Its final snapshot came after the signal: every request the target answered is in the report.
    expect(summary.totals.requests).toBe(server.requests - before);
  }, 150_000);

  it('a controller killed and restarted mid-test picks up the same runners: one Job, nothing lost', async () => {
    const before = server.requests;
    await env.kubectl(['apply', '-f', '-'], loadTest('restart', server.url, { duration: '10s' }));
    await env.waitForPhase('restart', ['Running'], 90_000, NS);
    await env.stopController();
    await new Promise((r) => setTimeout(r, 2000));
    env.startController();
    const lt = await env.waitForPhase('restart', ['Succeeded', 'Failed'], 90_000, NS);
    expect(lt.status, lt.status?.message).toMatchObject({ phase: 'Succeeded', lostShards: [] });
    const jobs = await env.kubectl([
      'get',
      'jobs',
      '-n',
      NS,
      '-l',
      'stampede.dev/loadtest=restart',
      '-o',
      'name',
    ]);
    expect(jobs.trim().split('\n')).toHaveLength(1);
    // Every request the target answered is in the merged result.
    expect(lt.status?.requests).toBe(server.requests - before);
    const summary = await report('restart');
    expect(summary.shards.every((s) => s.requests > 0)).toBe(true);
    await noRunnersLeft('restart');
  }, 150_000);

  it('deleting a LoadTest mid-test stops its runners and removes everything it owned', async () => {
    await env.kubectl(['apply', '-f', '-'], loadTest('gone', server.url, { duration: '60s' }));
    await env.waitForPhase('gone', ['Running'], 90_000, NS);
    await env.kubectl(['delete', 'lt', '-n', NS, 'gone', '--wait=true']);
    await pollUntil('owned objects to be garbage-collected', 90_000, async () => {
      const left = await env.kubectl([
        ...['get', 'jobs,pods,configmaps', '-n', NS],
        ...['-l', 'stampede.dev/loadtest=gone', '-o', 'name'],
      ]);
      return left.trim() === '' ? true : undefined;
    });
    // The target hears nothing more once the runner containers are gone.
    const after = server.requests;
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.requests).toBe(after);
  }, 150_000);
});
