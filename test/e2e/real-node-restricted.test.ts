/**
 * The real node enforces what the manifests ask: a namespace labelled Pod Security "restricted" admits the
 * project's pods (non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp), they run from the locally built image in real containers, and their resource
 * limits are the container's cgroup limits.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { cgroupFile, containerPid, readyPod } from '../node/pods.js';
import { type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

const NS = 'restricted';

describe('the real node under Pod Security "restricted"', () => {
  let env: RealClusterEnv;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(['create', 'namespace', NS]);
    await env.kubectl([
      ...['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted'],
      'pod-security.kubernetes.io/enforce-version=latest',
    ]);
  }, 240_000);
  afterAll(async () => {
    await env?.kubectl(['delete', 'deployment', '-n', NS, '--all', '--wait=false']).catch(() => undefined);
    await env?.stop();
  }, 120_000);

  it('refuses a pod that runs as root, naming the rules it breaks', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: NS },
      spec: { containers: [{ name: 'c', image: 'localhost/stampede:dev', imagePullPolicy: 'Never' }] },
    };
    await expect(env.kubectl(['apply', '-f', '-'], JSON.stringify(pod))).rejects.toThrow(
      /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false.*runAsNonRoot != true/s,
    );
  });

  it('admits the demo target, runs it from the project image, non-root, its limits in its cgroups', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({ namespace: NS })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const pod = await readyPod(env.kubectl, NS, 'app=demo-target');
    const ip = pod.status?.podIP as string;
    expect(ip).toMatch(/^198\.18\.0\.\d+$/);
    // From this host over the node's bridge into the pod's own network namespace.
    const login = await fetch(`http://${ip}:${DEMO_PORT}/api/login`, {
      method: 'POST',
      body: JSON.stringify({ username: 'ann' }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(await login.json()).toMatchObject({ user: 'ann' });

    expect(pod.status?.qosClass).toBe('Burstable');
    expect(Number(cgroupFile('memory', pod, 'memory.limit_in_bytes'))).toBe(128 * 1024 * 1024);
    expect(Number(cgroupFile('cpu', pod, 'cpu.cfs_quota_us'))).toBe(50_000);
    expect(Number(cgroupFile('cpu', pod, 'cpu.shares'))).toBe(102);
    // The process runs as 65532 with no capabilities and seccomp filtering (mode 2).
    const pid = containerPid(pod);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[4] === '/');
    expect(root?.split(' ')[5]).toMatch(/^ro\b/);
  }, 180_000);
});
