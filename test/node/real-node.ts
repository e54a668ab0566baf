/**
 * A real node for end-to-end tests: containerd (Debian's, with runc) and the kubelet built by
 * test/cluster/build-binaries.sh, registered as a Node against the test control plane, running pods from
 * the images test/node/images.sh made. Pods get their own network namespace and an IP on a CNI bridge
 * (198.18.0.0/24, the range set aside for benchmarking), reachable from this host and from each other, and
 * nothing else. Everything lives under one temp dir with its own sockets; one real node at a time (the
 * bridge name and the cgroup tree are the machine's). The settings come from notes/real-node.md.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type ControlPlane,
  defaultBinDir,
  freePort,
  kubectl,
  type Proc,
  startProc,
  stopProc,
  waitFor,
} from '../cluster/control-plane.js';
import { cleanUpMounts, cniConfig, containerdConfig, kubeletConfig } from './real-node-config.js';

export const SETUP_HINT = 'bash test/node/setup.sh';
export const BRIDGE = 'stampede0';
export const POD_SUBNET = '198.18.0.0/24';
/** The bridge's own address: how pods reach this host (the apiserver's cert names it). */
export const GATEWAY_IP = '198.18.0.1';
export const STAMPEDE_IMAGE = 'localhost/stampede:dev';
/**
 * The `kubernetes` Service's ClusterIP (first of the control plane's 10.0.0.0/24) and port. There is no
 * kube-proxy: this host holds the address on the bridge and forwards it to the apiserver on loopback, so
 * in-cluster clients (the controller pod) reach the API the way they do in any cluster.
 */
export const API_SERVICE_IP = '10.0.0.1';
const API_SERVICE_PORT = 443;
export const PAUSE_IMAGE = 'localhost/stampede-pause:1';

export interface RealNode {
  nodeName: string;
  workDir: string;
  /** Runs `ctr` against this node's containerd (namespace k8s.io). */
  ctr(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  workDir?: string;
  nodeName?: string;
  imageDir?: string;
  startTimeoutMs?: number;
}

export const defaultImageDir = () =>
  path.join(process.env.STAMPEDE_NODE_CACHE || path.join(os.homedir(), '.cache/stampede/node'), 'images');

/** What is missing to start a real node, each with how to get it; empty when all is there. */
export function realNodeProblems(imageDir = defaultImageDir(), binDir = defaultBinDir()): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('the real node needs root (kubelet, containerd)');
  const need = (file: string, what: string) => {
    if (!fs.existsSync(file)) problems.push(`${what} (${file})`);
  };
  need('/usr/bin/containerd', 'containerd: apt-get install containerd');
  need('/usr/sbin/runc', 'runc: apt-get install runc');
  need('/usr/lib/cni/bridge', 'CNI plugins: apt-get install containernetworking-plugins');
  need(path.join(binDir, 'kubelet'), `kubelet: ${SETUP_HINT}`);
  need(path.join(binDir, 'kube-scheduler'), `kube-scheduler: ${SETUP_HINT}`);
  for (const image of ['pause', 'stampede'])
    need(path.join(imageDir, `${image}.tar`), `image: ${SETUP_HINT}`);
  return problems;
}

function run(bin: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bridge of a node that was not stopped (a killed test run) would keep the subnet's route. */
async function deleteBridge(): Promise<void> {
  if (fs.existsSync(`/sys/class/net/${BRIDGE}`)) await run('ip', ['link', 'delete', BRIDGE]);
}

const NETNS_DIR = '/var/run/netns';
const listNetns = () => (fs.existsSync(NETNS_DIR) ? fs.readdirSync(NETNS_DIR) : []);

/** Network namespaces containerd made for sandboxes the kubelet did not tear down (pods killed at stop). */
async function deleteNetns(before: string[]): Promise<void> {
  for (const ns of listNetns().filter((n) => n.startsWith('cni-') && !before.includes(n)))
    await run('ip', ['netns', 'delete', ns]).catch(() => undefined);
}

/** The bridge with its gateway address up front, so the kubelet can serve on it; CNI then reuses it. */
async function createBridge(): Promise<void> {
  await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${GATEWAY_IP}/24`, 'dev', BRIDGE]);
  await run('ip', ['addr', 'add', `${API_SERVICE_IP}/32`, 'dev', BRIDGE]);
  await run('ip', ['link', 'set', BRIDGE, 'up']);
}

/** Forwards API_SERVICE_IP:443 to the apiserver (TLS passes through; its cert names 10.0.0.1). */
function startApiForwarder(server: string): Promise<net.Server> {
  const target = new URL(server);
  const forwarder = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    forwarder.once('error', reject);
    forwarder.listen(API_SERVICE_PORT, API_SERVICE_IP, () => resolve(forwarder));
  });
}

export async function startRealNode(cp: ControlPlane, opts: RealNodeOptions = {}): Promise<RealNode> {
  const imageDir = opts.imageDir ?? defaultImageDir();
  const problems = realNodeProblems(imageDir, cp.binDir);
  if (problems.length) throw new Error(`cannot start the real node, missing:\n  ${problems.join('\n  ')}`);
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const nodeName = opts.nodeName ?? 'real-node';
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stampede-node-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  await deleteBridge();
  const netnsBefore = listNetns();

  const sock = path.join(workDir, 'containerd.sock');
  const procs: Proc[] = [];
  const ctr = (args: string[]) => run('ctr', ['--address', sock, '--namespace', 'k8s.io', ...args]);
  const kc = (args: string[]) => kubectl(cp, args);
  let stopped = false;
  let forwarder: net.Server | undefined;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await drainPods(kc, ctr, nodeName).catch(() => undefined);
    forwarder?.close();
    for (const p of [...procs].reverse()) await stopProc(p, 20_000);
    cleanUpMounts(workDir);
    await deleteBridge().catch(() => undefined);
    await deleteNetns(netnsBefore);
    await kc(['delete', 'node', nodeName, '--ignore-not-found', '--wait=false']).catch(() => undefined);
  };

  try {
    const containerdFile = path.join(workDir, 'containerd.toml');
    fs.writeFileSync(
      containerdFile,
      containerdConfig({ workDir, sock, pauseImage: PAUSE_IMAGE, cniConfDir: path.join(workDir, 'net.d') }),
    );
    fs.mkdirSync(path.join(workDir, 'net.d'), { recursive: true });
    fs.writeFileSync(
      path.join(workDir, 'net.d/10-stampede.conflist'),
      cniConfig({
        bridge: BRIDGE,
        subnet: POD_SUBNET,
        gateway: GATEWAY_IP,
        routes: [`${API_SERVICE_IP}/32`],
        dataDir: path.join(workDir, 'ipam'),
      }),
    );
    const containerd = startProc('containerd', '/usr/bin/containerd', ['--config', containerdFile], logDir);
    procs.push(containerd);
    await waitFor('containerd socket', containerd, timeoutMs, async () => {
      await ctr(['version']);
      return true;
    });
    for (const image of ['pause', 'stampede'])
      await ctr(['images', 'import', path.join(imageDir, `${image}.tar`)]);

    const [port, healthzPort] = await Promise.all([freePort(), freePort()]);
    const kubeletFile = path.join(workDir, 'kubelet.yaml');
    await createBridge();
    forwarder = await startApiForwarder(cp.server);
    fs.writeFileSync(
      kubeletFile,
      kubeletConfig({ sock, address: GATEWAY_IP, port, healthzPort, caFile: cp.caCertPath }),
    );
    const kubelet = startProc(
      'kubelet',
      path.join(cp.binDir, 'kubelet'),
      [
        `--config=${kubeletFile}`,
        `--kubeconfig=${cp.kubeconfigPath}`,
        `--hostname-override=${nodeName}`,
        // Not loopback (the kubelet refuses it): the bridge's address, made before the kubelet starts.
        `--node-ip=${GATEWAY_IP}`,
        `--root-dir=${path.join(workDir, 'kubelet')}`,
        `--cert-dir=${path.join(workDir, 'kubelet-pki')}`,
        '--v=1',
      ],
      logDir,
    );
    procs.push(kubelet);
    await waitFor(`Node ${nodeName} Ready`, kubelet, timeoutMs, async () => {
      const node = JSON.parse(await kc(['get', 'node', nodeName, '-o', 'json'])) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    return { nodeName, workDir, ctr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Deletes the node's pods through the API so that the kubelet stops their containers and tears down their
 * network namespaces, waits (bounded) until it did, then removes whatever containerd still holds.
 */
async function drainPods(
  kc: (args: string[]) => Promise<string>,
  ctr: (args: string[]) => Promise<string>,
  nodeName: string,
): Promise<void> {
  const selector = `--field-selector=spec.nodeName=${nodeName}`;
  // Owners first, or they make new pods: the control plane stops right after the node anyway.
  await kc(['delete', 'deployments,replicasets,jobs', '-A', '--all', '--wait=false']);
  await kc(['delete', 'pods', '-A', selector, '--grace-period=1', '--wait=false']);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!(await kc(['get', 'pods', '-A', selector, '-o', 'name'])).trim()) break;
    await sleep(500);
  }
  for (const id of (await ctr(['tasks', 'ls', '-q'])).split('\n').filter(Boolean)) {
    await ctr(['tasks', 'kill', '-s', 'SIGKILL', id]).catch(() => undefined);
    await ctr(['tasks', 'delete', '-f', id]).catch(() => undefined);
  }
}
