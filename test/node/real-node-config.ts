/**
 * The real node's configuration files, as the feasibility run found they must be on these machines
 * (cgroup v1, no CAP_SYS_RESOURCE, nothing to pull from), and its mount clean-up. Pure except cleanUpMounts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ContainerdSettings {
  workDir: string;
  sock: string;
  pauseImage: string;
  cniConfDir: string;
}

/** containerd 1.6 (config version 2) with its own root, state and socket, runc via cgroupfs. */
export function containerdConfig(s: ContainerdSettings): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${path.join(s.workDir, 'containerd/root')}"
state = "${path.join(s.workDir, 'containerd/state')}"
# Snapshotters that cannot work here only add noise to the log.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${s.sock}"
[ttrpc]
  address = "${s.sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(s.workDir, 'containerd/opt')}"

[${cri}]
  sandbox_image = "${s.pauseImage}"
  # No CAP_SYS_RESOURCE here: writing the sandbox's negative oom_score_adj would fail every pod.
  restrict_oom_score_adj = true
  # The streaming server (exec, port-forward) on loopback, on a port of its own.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${s.cniConfDir}"
    max_conf_num = 1
`;
}

export interface CniSettings {
  bridge: string;
  subnet: string;
  gateway: string;
  /** Destinations pods reach through the gateway (this host): the API service address. */
  routes: string[];
  dataDir: string;
}

/** One bridge, host-local addresses, no masquerade, no default route: pods reach this host and each other. */
export function cniConfig(s: CniSettings): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'stampede',
      plugins: [
        {
          type: 'bridge',
          bridge: s.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: s.subnet, gateway: s.gateway }]],
            routes: s.routes.map((dst) => ({ dst })),
            dataDir: s.dataDir,
          },
        },
      ],
    },
    null,
    2,
  );
}

export interface KubeletSettings {
  sock: string;
  /** Where the kubelet serves (the apiserver connects there for logs and exec). */
  address: string;
  port: number;
  healthzPort: number;
  caFile: string;
}

/** KubeletConfiguration (JSON is YAML). */
export function kubeletConfig(s: KubeletSettings): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // 1.35+ refuses cgroup v1 unless told otherwise; these machines are cgroup v1 (hybrid).
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${s.sock}`,
      address: s.address,
      port: s.port,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: s.healthzPort,
      // The apiserver (logs, exec) connects anonymously; the kubelet listens on the node's bridge only.
      authentication: {
        anonymous: { enabled: true },
        webhook: { enabled: false },
        x509: { clientCAFile: s.caFile },
      },
      authorization: { mode: 'AlwaysAllow' },
      // The eviction manager cannot read this machine's filesystem stats; no evictions, no image GC
      // (the images cannot be pulled again).
      evictionHard: {},
      localStorageCapacityIsolation: false,
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      // Quick status so tests see pods start and stop without waiting on the default 10 s loops.
      nodeStatusUpdateFrequency: '2s',
      syncFrequency: '5s',
      serializeImagePulls: false,
      maxPods: 50,
    },
    null,
    2,
  );
}

/** Unmounts everything under dir (deepest first): the kubelet's volumes, containerd's overlay mounts. */
export function cleanUpMounts(dir: string): void {
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mp of mounts) {
    try {
      execFileSync('umount', ['-l', mp], { stdio: 'ignore' });
    } catch {
      // Already gone with its parent.
    }
  }
}
