/**
 * The end-to-end environment: a real control plane (etcd, kube-apiserver, kube-controller-manager), a node
 * (the process kubelet, or with startRealClusterEnv the real node: kubelet, containerd, the project's own
 * image), the CRD applied with kubectl, and `stampede controller` as its own process, so tests can kill and
 * restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILD_HINT,
  type ControlPlane,
  DEFAULT_CONTROLLERS,
  kubectl,
  missingBinaries,
  repoRoot,
  startControlPlane,
} from '../cluster/control-plane.js';
import { type ProcessKubelet, startProcessKubelet } from '../cluster/process-kubelet.js';
import { type SimKubelet, startSimKubelet } from '../cluster/sim-kubelet.js';
import { pollUntil } from '../helpers/poll.js';
import type { SimProfile } from '../helpers/runner-sim.js';
import {
  GATEWAY_IP,
  type RealNode,
  realNodeProblems,
  STAMPEDE_IMAGE,
  startRealNode,
} from '../node/real-node.js';

export { pollUntil };

export const ROOT = repoRoot();

export interface LoadTestObject {
  metadata: { name: string; uid: string };
  status?: {
    phase?: string;
    requests?: number;
    verdict?: string;
    message?: string;
    abortedBy?: string;
    lostShards?: number[];
    runners?: { display?: string; running?: number; ready?: number };
    report?: string;
    p95Ms?: number;
    conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[];
  };
}

export interface ClusterEnv extends BaseClusterEnv {
  kubelet: ProcessKubelet;
}

export interface SimClusterEnv extends BaseClusterEnv {
  simKubelet: SimKubelet;
}

export interface RealClusterEnv extends BaseClusterEnv {
  node: RealNode;
}

interface BaseClusterEnv {
  cp: ControlPlane;
  kubectl(args: string[], input?: string): Promise<string>;
  startController(extraArgs?: string[], extraEnv?: Record<string, string>): ChildProcess;
  stopController(): Promise<void>;
  /** Everything every controller run of this environment logged. */
  controllerLogs(): string;
  /** The LoadTest as JSON; undefined once it is gone. */
  getLoadTest(name: string, namespace?: string): Promise<LoadTestObject | undefined>;
  waitForPhase(
    name: string,
    phases: string[],
    timeoutMs: number,
    namespace?: string,
  ): Promise<LoadTestObject>;
  stop(): Promise<void>;
}

export interface ClusterEnvOptions {
  /** kube-controller-manager controllers beyond DEFAULT_CONTROLLERS, e.g. resourcequota-controller. */
  extraControllers?: string[];
  /** Runner pods get 127.0.<podSubnet>.N (default 77). */
  podSubnet?: number;
}

export async function startClusterEnv(options: ClusterEnvOptions = {}): Promise<ClusterEnv> {
  const missing = missingBinaries();
  if (missing.length)
    throw new Error(`control-plane binaries missing (${missing.join(', ')}): run \`${BUILD_HINT}\``);
  const workDir = mkdtempSync(join(tmpdir(), 'stampede-e2e-'));
  const cp = await startControlPlane({
    workDir: join(workDir, 'cp'),
    ...(options.extraControllers
      ? { controllers: [...DEFAULT_CONTROLLERS, ...options.extraControllers] }
      : {}),
  });
  const kubelet = await startProcessKubelet({
    kubeconfigPath: cp.kubeconfigPath,
    projectRoot: ROOT,
    workDir: join(workDir, 'pods'),
    ...(options.podSubnet !== undefined ? { ipSubnet: options.podSubnet } : {}),
  }).catch(async (error) => {
    await cp.stop();
    throw error;
  });
  const base = await baseEnv(cp, workDir, 'stampede:dev', {}, () => kubelet.stop());
  return { ...base, kubelet };
}

/**
 * The same with simulated runners (test/cluster/sim-kubelet.ts): runner pods are served by one in-process
 * simulator on their own loopback IPs, so the real controller can drive a thousand of them.
 */
export async function startSimClusterEnv(profile: SimProfile): Promise<SimClusterEnv> {
  const missing = missingBinaries();
  if (missing.length)
    throw new Error(`control-plane binaries missing (${missing.join(', ')}): run \`${BUILD_HINT}\``);
  const workDir = mkdtempSync(join(tmpdir(), 'stampede-sim-'));
  const cp = await startControlPlane({ workDir: join(workDir, 'cp') });
  const simKubelet = await startSimKubelet({ kubeconfigPath: cp.kubeconfigPath, profile }).catch(
    async (error) => {
      await cp.stop();
      throw error;
    },
  );
  const base = await baseEnv(cp, workDir, 'stampede:dev', {}, () => simKubelet.stop());
  return { ...base, simKubelet };
}

/**
 * The same on the real node: runner pods run from localhost/stampede:dev (built by test/node/setup.sh,
 * never pulled) in containers, with kube-scheduler placing them.
 */
export async function startRealClusterEnv(): Promise<RealClusterEnv> {
  const problems = [...missingBinaries().map((b) => `${b}: ${BUILD_HINT}`), ...realNodeProblems()];
  if (problems.length) throw new Error(`cannot start the real cluster, missing:\n  ${problems.join('\n  ')}`);
  const workDir = mkdtempSync(join(tmpdir(), 'stampede-e2e-'));
  const cp = await startControlPlane({
    workDir: join(workDir, 'cp'),
    // node-lifecycle: lifts the not-ready taint a real kubelet registers with, once the node is Ready.
    controllers: [...DEFAULT_CONTROLLERS, 'node-lifecycle-controller'],
    scheduler: true,
    extraApiserverIPs: [GATEWAY_IP],
  });
  const node = await startRealNode(cp, { workDir: join(workDir, 'node') }).catch(async (error) => {
    await cp.stop();
    throw error;
  });
  const runnerPod = JSON.stringify({ imagePullPolicy: 'Never' });
  const base = await baseEnv(cp, workDir, STAMPEDE_IMAGE, { STAMPEDE_RUNNER_POD: runnerPod }, async () => {
    await node.stop();
    // containerd's root holds the imported image (~300 MB per env, ~40 envs per suite run): left in /tmp, a
    // few runs filled this machine's disk. The logs beside it are small and stay.
    try {
      rmSync(join(workDir, 'node', 'containerd'), { recursive: true, force: true });
    } catch {
      // Something still mounted there (a node that did not stop cleanly): leave it rather than fail the test.
    }
  });
  return { ...base, node };
}

async function baseEnv(
  cp: ControlPlane,
  workDir: string,
  runnerImage: string,
  controllerEnv: Record<string, string>,
  stopNode: () => Promise<void>,
): Promise<BaseClusterEnv> {
  const run = (args: string[], input?: string) => kubectl(cp, args, input);
  await run([
    'apply',
    '--server-side',
    '-f',
    process.env.STAMPEDE_CRD_FILE ?? join(ROOT, 'crds/loadtests.stampede.dev.yaml'),
  ]);
  // `kubectl wait` fails outright if it looks before the CRD has any conditions, so poll instead.
  await pollUntil('the LoadTest CRD to be established', 60_000, async () => {
    const crd = JSON.parse(await run(['get', 'crd', 'loadtests.stampede.dev', '-o', 'json'])) as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
      ? true
      : undefined;
  });
  let controller: ChildProcess | undefined;
  let controllerRuns = 0;
  const controlKey = randomBytes(32).toString('base64url');
  const env: BaseClusterEnv = {
    cp,
    kubectl: run,
    startController(extraArgs = [], extraEnv = {}) {
      const log = openSync(join(workDir, `controller-${++controllerRuns}.log`), 'a');
      controller = spawn(
        process.execPath,
        [
          join(ROOT, 'bin/stampede.js'),
          'controller',
          '--kubeconfig',
          cp.kubeconfigPath,
          '--runner-image',
          runnerImage,
          '--metrics-port',
          '0',
          '--metrics-host',
          '127.0.0.1',
          '--ready-timeout',
          '20s',
          ...extraArgs,
        ],
        {
          stdio: ['ignore', log, log],
          // One key for every controller run, as the chart keeps it: a restarted controller commands its runners.
          // Targets here are servers the tests start, on loopback or (real node) the pod bridge: the policy
          // allows exactly those.
          env: {
            ...process.env,
            STAMPEDE_LOG_LEVEL: 'debug',
            STAMPEDE_CONTROL_KEY: controlKey,
            STAMPEDE_TARGET_ALLOWLIST: '127.0.0.0/8,198.18.0.0/24',
            // Test Prometheus servers listen on 127.0.0.1, any port.
            STAMPEDE_PROMETHEUS_URLS: 'http://127.0.0.1',
            ...controllerEnv,
            ...extraEnv,
          },
        },
      );
      return controller;
    },
    controllerLogs() {
      return Array.from({ length: controllerRuns }, (_, i) =>
        readFileSync(join(workDir, `controller-${i + 1}.log`), 'utf8'),
      ).join('');
    },
    async stopController() {
      const c = controller;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
    async getLoadTest(name, namespace = 'default') {
      try {
        return JSON.parse(await run(['get', 'lt', name, '-n', namespace, '-o', 'json'])) as LoadTestObject;
      } catch (error) {
        if (/NotFound/.test((error as Error).message)) return undefined;
        throw error;
      }
    },
    waitForPhase(name, phases, timeoutMs, namespace = 'default') {
      return pollUntil(`${name} in ${phases.join('/')}`, timeoutMs, async () => {
        const lt = await env.getLoadTest(name, namespace);
        return lt?.status?.phase && phases.includes(lt.status.phase) ? lt : undefined;
      });
    },
    async stop() {
      await env.stopController();
      await stopNode();
      await cp.stop();
    },
  };
  return env;
}
