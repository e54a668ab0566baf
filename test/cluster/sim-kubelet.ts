/**
 * A simulated kubelet for scale tests: plays the kubelet's part for runner pods like the process kubelet
 * (registers a Node, binds pending pods, resolves the control token from the pod's secretKeyRef, reports pod
 * status), but instead of a process per pod it starts a simulated runner (test/helpers/runner-sim.ts) on the
 * pod's own loopback IP in this process. The controller finds runners exactly as in production: by the pod
 * IP in pod status and the control port, with the LoadTest's token. Pod IPs are 127.<subnet>.x.y, so a
 * thousand pods fit; a released runner's pod ends Succeeded (exit 0), so the Indexed Job completes.
 */
import { CONTROL_PORT, LABEL_LOADTEST } from '../../src/controller/names.js';
import { isNotFound, KubeClient } from '../../src/kube/client.js';
import { loadKubeconfigFile } from '../../src/kube/kubeconfig.js';
import { startListWatch } from '../../src/kube/list-watch.js';
import { createLogger } from '../../src/observability/log.js';
import { RunnerSim, type SimProfile } from '../helpers/runner-sim.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface SimPod {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    resourceVersion?: string;
  };
  spec: {
    nodeName?: string;
    containers: { name: string; image: string; env?: EnvVar[]; ports?: { containerPort: number }[] }[];
  };
  status?: { phase?: string };
}

export interface SimKubeletOptions {
  kubeconfigPath: string;
  profile: SimProfile;
  /** Pod IPs are 127.<subnet>.x.y (default 78: apart from the process kubelet's 127.0.77.x). */
  ipSubnet?: number;
  nodeName?: string;
}

export interface SimKubelet {
  sim: RunnerSim;
  nodeName: string;
  /** Pods whose simulated runner is serving. */
  running(): number;
  stop(): Promise<void>;
}

const JOB_INDEX = 'batch.kubernetes.io/job-completion-index';

export async function startSimKubelet(opts: SimKubeletOptions): Promise<SimKubelet> {
  const nodeName = opts.nodeName ?? 'sim-node';
  const log = createLogger('sim-kubelet', process.env.STAMPEDE_KUBELET_LOG ?? 'warn');
  const client = new KubeClient(loadKubeconfigFile(opts.kubeconfigPath));
  const subnet = opts.ipSubnet ?? 78;
  let nextHost = 10;
  const ipOf = new Map<string, string>();
  const allocateIP = () => {
    const n = nextHost++;
    return `127.${subnet}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  };
  const podKey = (p: SimPod) => `${p.metadata.namespace}/${p.metadata.name}`;
  const podPath = (p: SimPod) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;
  const pods = new Map<string, SimPod>();
  const tokens = new Map<string, Promise<string>>();

  const patchStatus = (p: SimPod, status: Record<string, unknown>) =>
    client.patch(`${podPath(p)}/status`, { status }).catch((error: Error) => {
      if (!isNotFound(error)) log.warn({ pod: podKey(p), err: error.message }, 'status patch failed');
    });

  const sim = new RunnerSim(opts.profile, {
    released(ip) {
      const key = [...ipOf].find(([, v]) => v === ip)?.[0];
      const p = key ? pods.get(key) : undefined;
      void sim.remove(ip);
      if (p) void patchStatus(p, terminatedStatus(p, 0));
    },
  });

  await client
    .create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } })
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 409) throw error;
    });
  const nodeStatus = () => ({
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated kubelet' }],
    capacity: { cpu: '2000', memory: '4000Gi', pods: '5000' },
    allocatable: { cpu: '2000', memory: '4000Gi', pods: '5000' },
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
  });
  await client.patch(`/api/v1/nodes/${nodeName}/status`, { status: nodeStatus() });

  /** The control token the kubelet would put in STAMPEDE_CONTROL_TOKEN, read once per Secret. */
  function tokenOf(p: SimPod): Promise<string> {
    const ref = p.spec.containers[0]?.env?.find((e) => e.name === 'STAMPEDE_CONTROL_TOKEN')?.valueFrom
      ?.secretKeyRef;
    if (!ref) return Promise.reject(new Error('no STAMPEDE_CONTROL_TOKEN secretKeyRef'));
    const key = `${p.metadata.namespace}/${ref.name}/${ref.key}`;
    let token = tokens.get(key);
    if (!token) {
      token = client
        .get<{ data?: Record<string, string> }>(
          `/api/v1/namespaces/${p.metadata.namespace}/secrets/${ref.name}`,
        )
        .then((s) => Buffer.from(s.data?.[ref.key] ?? '', 'base64').toString('utf8'));
      tokens.set(key, token);
      token.catch(() => tokens.delete(key));
    }
    return token;
  }

  async function startPod(p: SimPod): Promise<void> {
    const key = podKey(p);
    if (ipOf.has(key)) return;
    const ip = allocateIP();
    ipOf.set(key, ip);
    pods.set(key, p);
    const container = p.spec.containers[0];
    const env = container?.env ?? [];
    try {
      await sim.add({
        ip,
        port: container?.ports?.[0]?.containerPort ?? CONTROL_PORT,
        token: await tokenOf(p),
        index: Number(p.metadata.annotations?.[JOB_INDEX] ?? p.metadata.labels?.[JOB_INDEX] ?? 0),
        total: Number(env.find((e) => e.name === 'STAMPEDE_SHARDS')?.value ?? 1),
        group: `${p.metadata.namespace}/${p.metadata.labels?.[LABEL_LOADTEST] ?? p.metadata.name}`,
      });
    } catch (error) {
      log.warn({ pod: key, err: (error as Error).message }, 'simulated runner not started');
      ipOf.delete(key);
      return;
    }
    const now = new Date().toISOString();
    await patchStatus(p, {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: '127.0.0.1',
      startTime: now,
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: now,
      })),
      containerStatuses: [
        {
          name: container?.name ?? 'runner',
          image: container?.image ?? '',
          imageID: container?.image ?? '',
          containerID: `sim://${ip}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        },
      ],
    });
  }

  async function removePod(p: SimPod, finalize: boolean): Promise<void> {
    const key = podKey(p);
    const ip = ipOf.get(key);
    ipOf.delete(key);
    pods.delete(key);
    if (ip) await sim.remove(ip);
    if (finalize)
      await client
        .call('DELETE', podPath(p), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 })
        .catch(() => undefined);
  }

  const watch = startListWatch<SimPod>({
    client,
    path: '/api/v1/pods',
    log,
    watchTimeoutSeconds: 30,
    onChange: (p, type) => {
      if (type === 'DELETED') return void removePod(p, false);
      if (!p.spec.nodeName) {
        void client
          .create(`${podPath(p)}/binding`, {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: p.metadata.name },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          })
          .catch((error: Error) => log.warn({ pod: podKey(p), err: error.message }, 'bind failed'));
        return;
      }
      if (p.spec.nodeName !== nodeName) return;
      if (p.metadata.deletionTimestamp) return void removePod(p, true);
      if (!ipOf.has(podKey(p)) && (p.status?.phase ?? 'Pending') === 'Pending') void startPod(p);
    },
  });
  const heartbeat = setInterval(() => {
    void client.patch(`/api/v1/nodes/${nodeName}/status`, { status: nodeStatus() }).catch(() => undefined);
  }, 10_000);

  return {
    sim,
    nodeName,
    running: () => sim.size(),
    async stop() {
      clearInterval(heartbeat);
      watch.stop();
      await sim.stop();
      client.close();
    },
  };
}

function terminatedStatus(p: SimPod, exitCode: number): Record<string, unknown> {
  const now = new Date().toISOString();
  const container = p.spec.containers[0];
  return {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: ['Ready', 'ContainersReady'].map((type) => ({
      type,
      status: 'False',
      lastTransitionTime: now,
    })),
    containerStatuses: [
      {
        name: container?.name ?? 'runner',
        image: container?.image ?? '',
        imageID: container?.image ?? '',
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode,
            reason: exitCode === 0 ? 'Completed' : 'Error',
            startedAt: now,
            finishedAt: now,
          },
        },
      },
    ],
  };
}
