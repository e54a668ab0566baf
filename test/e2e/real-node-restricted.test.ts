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
import { pollUntil, type RealClusterEnv, startRealClusterEnv } from './cluster-env.js';

const NS = 'restricted';

interface PodJson {
  metadata: { uid: string; name: string };
  status?: {
    podIP?: string;
    qosClass?: string;
    containerStatuses?: { containerID?: string; ready?: boolean }[];
  };
}

/** A cgroup v1 file of a container: <controller>/kubepods/<qos>/pod<uid>/<container id>/<file>. */
function cgroupFile(controller: string, pod: PodJson, file: string): string {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '') ?? '';
  const qos = pod.status?.qosClass === 'Guaranteed' ? '' : `${pod.status?.qosClass?.toLowerCase()}/`;
  return readFileSync(
    `/sys/fs/cgroup/${controller}/kubepods/${qos}pod${pod.metadata.uid}/${id}/${file}`,
    'utf8',
  ).trim();
}

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
    const pod = await pollUntil('the demo target pod Ready', 120_000, async () => {
      const list = JSON.parse(
        await env.kubectl(['get', 'pods', '-n', NS, '-l', 'app=demo-target', '-o', 'json']),
      ) as { items: PodJson[] };
      const p = list.items[0];
      return p?.status?.containerStatuses?.[0]?.ready ? p : undefined;
    });
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
    const pid = Number(cgroupFile('memory', pod, 'cgroup.procs').split('\n')[0]);
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
