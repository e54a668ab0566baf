// Smoke test of the local control plane: real Job controller creating Pods, real garbage
// collection. Fails (not skips) when the binaries were never built, naming the build command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../helpers/poll.js';
import {
  BUILD_HINT,
  type ControlPlane,
  defaultBinDir,
  kubectl,
  missingBinaries,
  startControlPlane,
} from './control-plane.js';

const NS = 'smoke';

interface PodList {
  items: { metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string } }[];
}

async function jobPods(cp: ControlPlane): Promise<PodList['items']> {
  const out = await kubectl(cp, [
    'get',
    'pods',
    '-n',
    NS,
    '-l',
    'batch.kubernetes.io/job-name=smoke',
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as PodList).items;
}

describe('local control plane (etcd + kube-apiserver + kube-controller-manager)', () => {
  let cp: ControlPlane | undefined;

  beforeAll(async () => {
    const missing = missingBinaries();
    if (missing.length > 0) {
      throw new Error(
        `Kubernetes binaries missing in ${defaultBinDir()} (${missing.join(', ')}); run: ${BUILD_HINT}`,
      );
    }
    cp = await startControlPlane();
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  }, 60_000);

  it('serves kubectl', async () => {
    const c = cp!;
    const version = await kubectl(c, ['version', '-o', 'json']);
    const v = JSON.parse(version) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(v.clientVersion.gitVersion).toBe(v.serverVersion.gitVersion);
    const ns = await kubectl(c, ['get', 'ns', '-o', 'name']);
    expect(ns).toContain('namespace/kube-system');
    expect(ns).toContain('namespace/default');
  });

  it('runs the Job controller and the garbage collector', async () => {
    const c = cp!;
    await kubectl(c, ['create', 'namespace', NS]);
    // ServiceAccount admission rejects pods until the SA controller made "default".
    await kubectl(c, ['wait', '--for=create', 'serviceaccount/default', '-n', NS, '--timeout=30s']);

    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'smoke', namespace: NS },
      spec: {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: 'irrelevant', command: ['true'] }],
          },
        },
      },
    };
    await kubectl(c, ['apply', '-f', '-'], JSON.stringify(job));

    // No kubelet and no scheduler: the pods exist but stay Pending.
    const pods = await pollUntil('2 job pods', 30_000, async () => {
      const items = await jobPods(c);
      return items.length === 2 ? items : undefined;
    });
    expect(pods.map((p) => p.metadata.labels?.['batch.kubernetes.io/job-completion-index']).sort()).toEqual([
      '0',
      '1',
    ]);
    for (const p of pods) expect(p.status?.phase).toBe('Pending');
    // ServiceAccount admission ran: the pod got the projected token volume.
    const pod0 = JSON.parse(
      await kubectl(c, ['get', 'pod', '-n', NS, pods[0]!.metadata.name, '-o', 'json']),
    ) as { spec: { serviceAccountName: string; volumes?: { name: string }[] } };
    expect(pod0.spec.serviceAccountName).toBe('default');
    expect(pod0.spec.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);

    // Background propagation: the Job goes at once, the garbage collector removes its pods.
    await kubectl(c, ['delete', 'job', 'smoke', '-n', NS, '--cascade=background', '--wait=false']);
    await pollUntil('garbage collector to delete the job pods', 30_000, async () =>
      (await jobPods(c)).length === 0 ? true : undefined,
    );

    // Namespace deletion needs the namespace controller to finalize it.
    await kubectl(c, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s']);
  }, 120_000);
});
