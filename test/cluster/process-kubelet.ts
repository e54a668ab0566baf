/**
 * A process kubelet for end-to-end tests. No container runtime exists here, so this harness plays the
 * kubelet's part with plain processes: it registers a Node, binds pending pods to it (there is no
 * scheduler), resolves each container's env as the kubelet does (fieldRef, configMapKeyRef, secretKeyRef),
 * writes configMap volumes to files (process-volumes.ts),
 * runs the container's command from the project's own build instead of its image, gives every pod its own
 * loopback IP, runs readiness probes, mints the pod's service-account token into a kubeconfig, and reports
 * pod status on start and exit. Pods are deleted the way kubelet deletes them: SIGTERM, grace, SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { isNotFound, KubeClient } from '../../src/kube/client.js';
import { loadKubeconfigFile } from '../../src/kube/kubeconfig.js';
import { startListWatch } from '../../src/kube/list-watch.js';
import { createLogger } from '../../src/observability/log.js';
import { type ConfigMapVolume, materializeConfigMapVolumes, type VolumeMount } from './process-volumes.js';

/** Images this kubelet can "run": the entrypoint maps to the project's built CLI. */
const STAMPEDE_IMAGE = /(^|\/)stampede(:|@|$)/;
const PROBE_TIMEOUT_MS = 1000;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

interface Probe {
  httpGet?: { path?: string; port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  volumeMounts?: VolumeMount[];
}

export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    resourceVersion?: string;
  };
  spec: {
    nodeName?: string;
    containers: Container[];
    volumes?: ConfigMapVolume[];
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    terminationGracePeriodSeconds?: number;
  };
  status?: { phase?: string };
}

interface Running {
  pod: Pod;
  ip: string;
  child: ChildProcess | undefined;
  ready: boolean;
  startedAt: string;
  probeTimer?: NodeJS.Timeout;
  probeFailures: number;
  exited: boolean;
}

export interface ProcessKubeletOptions {
  kubeconfigPath: string;
  /** The repository root: `stampede` commands run `node <root>/bin/stampede.js`. */
  projectRoot: string;
  workDir: string;
  nodeName?: string;
  /** Loopback addresses 127.0.<subnet>.N are handed out as pod IPs. */
  ipSubnet?: number;
}

export interface ProcessKubelet {
  nodeName: string;
  /** Kills a pod's process as a crash would (SIGKILL), without deleting the pod. */
  crash(namespace: string, podName: string): boolean;
  podIP(namespace: string, podName: string): string | undefined;
  running(): string[];
  stop(): Promise<void>;
}

export async function startProcessKubelet(opts: ProcessKubeletOptions): Promise<ProcessKubelet> {
  const nodeName = opts.nodeName ?? 'process-node';
  const log = createLogger('process-kubelet', process.env.STAMPEDE_KUBELET_LOG ?? 'warn');
  const credentials = loadKubeconfigFile(opts.kubeconfigPath);
  const client = new KubeClient(credentials);
  const caData = credentials.ca?.toString('base64');
  const pods = new Map<string, Running>();
  const freeIPs: string[] = [];
  let nextHost = 10;
  const subnet = opts.ipSubnet ?? 77;
  const allocateIP = () => freeIPs.shift() ?? `127.0.${subnet}.${nextHost++}`;
  mkdirSync(opts.workDir, { recursive: true });

  const nodeStatus = () => ({
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'process kubelet',
        lastHeartbeatTime: new Date().toISOString(),
      },
    ],
    capacity: { cpu: '2', memory: '24Gi', pods: '250' },
    allocatable: { cpu: '2', memory: '24Gi', pods: '250' },
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
  });
  try {
    await client.create('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName },
      spec: {},
    });
  } catch (error) {
    if (
      !(error as { statusCode?: number }).statusCode ||
      (error as { statusCode: number }).statusCode !== 409
    )
      throw error;
  }
  await client.patch(`/api/v1/nodes/${nodeName}/status`, { status: nodeStatus() });

  const key = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;
  const podPath = (p: Pod) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;

  async function patchStatus(p: Pod, status: Record<string, unknown>): Promise<void> {
    try {
      await client.patch(`${podPath(p)}/status`, { status });
    } catch (error) {
      if (!isNotFound(error)) log.warn({ pod: key(p), err: (error as Error).message }, 'status patch failed');
    }
  }

  /** A pod whose container cannot start: Pending, with the reason kubectl shows. */
  function waiting(p: Pod, container: Container, reason: string, message: string): Promise<void> {
    return patchStatus(p, {
      phase: 'Pending',
      conditions: conditions(false),
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, message } },
        },
      ],
    });
  }

  function conditions(ready: boolean) {
    const now = new Date().toISOString();
    const c = (type: string, status: boolean) => ({
      type,
      status: status ? 'True' : 'False',
      lastTransitionTime: now,
    });
    return [c('PodScheduled', true), c('Initialized', true), c('ContainersReady', ready), c('Ready', ready)];
  }

  async function resolveEnv(p: Pod, container: Container, ip: string): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      const from = e.valueFrom;
      if (!from) continue;
      if (from.fieldRef) env[e.name] = fieldValue(p, from.fieldRef.fieldPath, ip, nodeName);
      const ref = from.configMapKeyRef ?? from.secretKeyRef;
      if (ref) {
        const kind = from.configMapKeyRef ? 'configmaps' : 'secrets';
        try {
          const obj = await client.get<{ data?: Record<string, string> }>(
            `/api/v1/namespaces/${p.metadata.namespace}/${kind}/${ref.name}`,
          );
          const raw = obj.data?.[ref.key];
          if (raw === undefined && !ref.optional)
            throw new Error(`key ${ref.key} not found in ${kind}/${ref.name}`);
          if (raw !== undefined)
            env[e.name] = kind === 'secrets' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
        } catch (error) {
          if (!ref.optional) throw new ConfigError(`${e.name}: ${(error as Error).message}`);
        }
      }
    }
    return env;
  }

  /** A kubeconfig holding the pod's own service-account token, so RBAC applies to what the pod does. */
  async function serviceAccountKubeconfig(p: Pod, dir: string): Promise<string | undefined> {
    if (p.spec.automountServiceAccountToken === false) return undefined;
    const sa = p.spec.serviceAccountName ?? 'default';
    const token = await client.create<{ status: { token: string } }>(
      `/api/v1/namespaces/${p.metadata.namespace}/serviceaccounts/${sa}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    );
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: client.server, 'certificate-authority-data': caData } }],
        users: [{ name: 'sa', user: { token: token.status.token } }],
        contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa', namespace: p.metadata.namespace } }],
        'current-context': 'sa',
      }),
    );
    return file;
  }

  async function startPod(p: Pod): Promise<void> {
    const k = key(p);
    if (pods.has(k)) return;
    const ip = allocateIP();
    const running: Running = {
      pod: p,
      ip,
      child: undefined,
      ready: false,
      startedAt: new Date().toISOString(),
      probeFailures: 0,
      exited: false,
    };
    pods.set(k, running);
    const container = p.spec.containers[0] as Container;
    const dir = join(opts.workDir, `${p.metadata.namespace}_${p.metadata.name}`);
    mkdirSync(dir, { recursive: true });
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    if (!STAMPEDE_IMAGE.test(container.image) || command[0] !== 'stampede') {
      await waiting(
        p,
        container,
        'ErrImageNeverPull',
        `the process kubelet runs only stampede images, not ${container.image}`,
      );
      return;
    }
    let env: Record<string, string>;
    let kubeconfig: string | undefined;
    try {
      env = await materializeConfigMapVolumes(
        client,
        p.metadata.namespace,
        p.spec.volumes ?? [],
        container.volumeMounts ?? [],
        await resolveEnv(p, container, ip),
        dir,
      );
      kubeconfig = await serviceAccountKubeconfig(p, dir);
    } catch (error) {
      await waiting(p, container, 'CreateContainerConfigError', (error as Error).message);
      pods.delete(k);
      freeIPs.push(ip);
      return;
    }
    const out = openSync(join(dir, 'output.log'), 'a');
    const child = spawn(
      process.execPath,
      [resolve(opts.projectRoot, 'bin/stampede.js'), ...command.slice(1)],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          HOSTNAME: p.metadata.name,
          ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
          ...env,
        },
        stdio: ['ignore', out, out],
      },
    );
    running.child = child;
    const containerID = `process://${child.pid}`;
    await patchStatus(p, {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: '127.0.0.1',
      startTime: running.startedAt,
      conditions: conditions(!container.readinessProbe),
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: container.image,
          containerID,
          ready: !container.readinessProbe,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: running.startedAt } },
        },
      ],
    });
    running.ready = !container.readinessProbe;
    if (container.readinessProbe?.httpGet) startProbe(running, container, containerID);
    child.on('exit', (code, signal) => {
      running.exited = true;
      clearInterval(running.probeTimer);
      const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
      const finishedAt = new Date().toISOString();
      void patchStatus(p, {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: conditions(false),
        containerStatuses: [
          {
            name: container.name,
            image: container.image,
            imageID: container.image,
            containerID,
            ready: false,
            started: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode,
                reason: exitCode === 0 ? 'Completed' : 'Error',
                startedAt: running.startedAt,
                finishedAt,
              },
            },
          },
        ],
      }).then(() => {
        freeIPs.push(ip);
        if (p.metadata.deletionTimestamp) void finalizeDeletion(p);
      });
    });
  }

  function startProbe(running: Running, container: Container, containerID: string): void {
    const probe = container.readinessProbe as Probe;
    const get = probe.httpGet as NonNullable<Probe['httpGet']>;
    const port =
      typeof get.port === 'number'
        ? get.port
        : container.ports?.find((x) => x.name === get.port)?.containerPort;
    const url = `http://${running.ip}:${port}${get.path ?? '/'}`;
    running.probeTimer = setInterval(
      async () => {
        let ok = false;
        try {
          const r = await request(url, { headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
          await r.body.dump();
          ok = r.statusCode >= 200 && r.statusCode < 400;
        } catch {
          ok = false;
        }
        running.probeFailures = ok ? 0 : running.probeFailures + 1;
        const ready = ok || (running.ready && running.probeFailures < (probe.failureThreshold ?? 3));
        if (ready !== running.ready && !running.exited) {
          running.ready = ready;
          await patchStatus(running.pod, {
            conditions: conditions(ready),
            containerStatuses: [
              {
                name: container.name,
                image: container.image,
                imageID: container.image,
                containerID,
                ready,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: running.startedAt } },
              },
            ],
          });
        }
      },
      (probe.periodSeconds ?? 1) * 1000,
    );
  }

  async function finalizeDeletion(p: Pod): Promise<void> {
    try {
      await client.call('DELETE', `${podPath(p)}`, {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        gracePeriodSeconds: 0,
      });
    } catch (error) {
      if (!isNotFound(error)) log.warn({ pod: key(p), err: (error as Error).message }, 'final delete failed');
    }
  }

  function terminate(p: Pod): void {
    const running = pods.get(key(p));
    if (!running?.child || running.exited) {
      void finalizeDeletion(p);
      return;
    }
    running.pod = p;
    running.child.kill('SIGTERM');
    const graceMs =
      (p.metadata.deletionGracePeriodSeconds ?? p.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    setTimeout(() => {
      if (!running.exited) running.child?.kill('SIGKILL');
    }, graceMs).unref();
  }

  const watch = startListWatch<Pod>({
    client,
    path: '/api/v1/pods',
    log,
    watchTimeoutSeconds: 30,
    onChange: (p, type) => {
      const k = key(p);
      if (type === 'DELETED') {
        const running = pods.get(k);
        if (running?.child && !running.exited) running.child.kill('SIGKILL');
        clearInterval(running?.probeTimer);
        pods.delete(k);
        return;
      }
      if (!p.spec.nodeName) {
        // No scheduler runs: bind every pending pod to this node.
        void client
          .create(`${podPath(p)}/binding`, {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: p.metadata.name },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          })
          .catch((error: Error) => log.warn({ pod: k, err: error.message }, 'bind failed'));
        return;
      }
      if (p.spec.nodeName !== nodeName) return;
      if (p.metadata.deletionTimestamp) return terminate(p);
      if (!pods.has(k) && (p.status?.phase ?? 'Pending') === 'Pending') void startPod(p);
    },
  });
  const heartbeat = setInterval(() => {
    void client.patch(`/api/v1/nodes/${nodeName}/status`, { status: nodeStatus() }).catch(() => undefined);
  }, 10_000);

  return {
    nodeName,
    crash(namespace, podName) {
      const running = pods.get(`${namespace}/${podName}`);
      if (!running?.child || running.exited) return false;
      return running.child.kill('SIGKILL');
    },
    podIP: (namespace, podName) => pods.get(`${namespace}/${podName}`)?.ip,
    running: () => [...pods.entries()].filter(([, r]) => r.child && !r.exited).map(([k]) => k),
    async stop() {
      clearInterval(heartbeat);
      watch.stop();
      for (const r of pods.values()) {
        clearInterval(r.probeTimer);
        if (r.child && !r.exited) r.child.kill('SIGKILL');
      }
      client.close();
    },
  };
}

class ConfigError extends Error {}

function fieldValue(p: Pod, fieldPath: string, ip: string, nodeName: string): string {
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return p.metadata.annotations?.[annotation[1] as string] ?? '';
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return p.metadata.labels?.[label[1] as string] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return p.metadata.name;
    case 'metadata.namespace':
      return p.metadata.namespace;
    case 'metadata.uid':
      return p.metadata.uid;
    case 'status.podIP':
      return ip;
    case 'spec.nodeName':
      return nodeName;
    case 'spec.serviceAccountName':
      return p.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
      return '127.0.0.1';
    default:
      return '';
  }
}
