/**
 * The cores this process may actually use: the CPUs it may run on, capped by the CFS quota of its cgroup
 * and of every ancestor up to the mount root (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us` over
 * `cpu.cfs_period_us`). A pod limited to 500m may run on 2 CPUs yet gets half a core per second; judged
 * against 2 cores (Node 20's availableParallelism) or 1 (Node 24's, which floors the quota) a throttled
 * generator never looks busy. Pure: usable-cores.ts reads the files.
 */
import { posix } from 'node:path';

export type CoresFrom = 'cpus' | 'cgroup quota';

export interface UsableCores {
  /** Fractional: 0.5 under a 500m limit. */
  cores: number;
  /** 'cgroup quota' when the quota, not the CPU count, is the tighter bound. */
  from: CoresFrom;
}

/** A cgroup directory whose CPU limit files count, with its hierarchy's version (files differ). */
export interface CgroupDir {
  version: 1 | 2;
  path: string;
}

/** One directory's limit files as read; undefined when a file could not be read. */
export type CgroupLevel =
  | { version: 2; cpuMax: string | undefined }
  | { version: 1; quotaUs: string | undefined; periodUs: string | undefined };

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    // Optional fields of varying count sit before the " - " separator.
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    if (l.length < 6 || r.length < 3) continue;
    mounts.push({
      root: unescapeOctal(l[3] as string),
      mountPoint: unescapeOctal(l[4] as string),
      fsType: r[0] as string,
      superOptions: (r[2] as string).split(','),
    });
  }
  return mounts;
}

/** The process's cgroup path per hierarchy: `v2` from the `0::` line, `v1` from the line naming `cpu`. */
function parseProcCgroup(text: string): { v1?: string; v2?: string } {
  const out: { v1?: string; v2?: string } = {};
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers, path] = m as unknown as [string, string, string, string];
    if (id === '0' && controllers === '') out.v2 = path;
    else if (controllers.split(',').includes('cpu')) out.v1 = path;
  }
  return out;
}

/**
 * The directories from the process's cgroup up to the mount root, innermost first. A cgroup outside the
 * mount's root (another namespace's view) has no directory here, so it gives none.
 */
function chain(mount: Mount, cgroupPath: string): string[] | undefined {
  const root = mount.root === '/' ? '' : mount.root.replace(/\/$/, '');
  if (root && cgroupPath !== root && !cgroupPath.startsWith(`${root}/`)) return undefined;
  const parts = cgroupPath.slice(root.length).split('/').filter(Boolean);
  if (parts.includes('..') || parts.includes('.')) return undefined;
  const dirs: string[] = [];
  for (let n = parts.length; n >= 0; n--) dirs.push(posix.join(mount.mountPoint, ...parts.slice(0, n)));
  return dirs;
}

/** Where the CPU limit files of this process's cgroups are: from /proc/self/mountinfo and /proc/self/cgroup. */
export function cgroupCpuDirs(mountinfo: string, procCgroup: string): CgroupDir[] {
  const mounts = parseMountinfo(mountinfo);
  const paths = parseProcCgroup(procCgroup);
  const dirs: CgroupDir[] = [];
  const add = (version: 1 | 2, path: string | undefined, fits: (m: Mount) => boolean) => {
    if (path === undefined) return;
    // Bind mounts of one hierarchy show the same files: the first that holds the path is enough.
    for (const m of mounts.filter(fits)) {
      const found = chain(m, path);
      if (found) return dirs.push(...found.map((p) => ({ version, path: p })));
    }
  };
  add(2, paths.v2, (m) => m.fsType === 'cgroup2');
  add(1, paths.v1, (m) => m.fsType === 'cgroup' && m.superOptions.includes('cpu'));
  return dirs;
}

const positiveInt = (text: string | undefined): number | undefined => {
  const t = text?.trim();
  if (!t || !/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
};

/** One level's quota in cores; undefined for no limit, and for anything malformed (no limit known). */
function levelCores(level: CgroupLevel): number | undefined {
  if (level.version === 2) {
    const [quota, period, ...rest] = (level.cpuMax ?? '').trim().split(/\s+/);
    if (quota === 'max' || rest.length) return undefined;
    const q = positiveInt(quota);
    const p = positiveInt(period);
    return q && p ? q / p : undefined;
  }
  // v1: -1 is "no limit"; positiveInt refuses it and any other text alike.
  const q = positiveInt(level.quotaUs);
  const p = positiveInt(level.periodUs);
  return q && p ? q / p : undefined;
}

/** The tightest quota over every level (a parent's limit binds its children), or undefined for none. */
export function quotaCores(levels: readonly CgroupLevel[]): number | undefined {
  const quotas = levels.map(levelCores).filter((c): c is number => c !== undefined);
  return quotas.length ? Math.min(...quotas) : undefined;
}

/** CPUs in a list such as /proc/self/status's Cpus_allowed_list ("0-3,8,10-11"); undefined if malformed. */
export function cpuListCount(list: string | undefined): number | undefined {
  const t = list?.trim();
  if (!t) return undefined;
  let count = 0;
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return undefined;
    count += to - from + 1;
  }
  return count;
}

export interface UsableCoresInput {
  /** Node's availableParallelism(): the affinity count (Node 20), already floored by the quota (Node 24). */
  parallelism: number;
  /** The affinity count from Cpus_allowed_list, unfloored; undefined when unreadable. */
  affinityCpus: number | undefined;
  quotaCores: number | undefined;
}

/** min(CPUs the process may run on, quota cores), to a thousandth of a core. */
export function decideUsableCores(input: UsableCoresInput): UsableCores {
  const parallelism = Math.max(1, input.parallelism);
  if (input.quotaCores === undefined) return { cores: parallelism, from: 'cpus' };
  // With a quota known, the affinity count is the other bound: Node 24's figure has the quota floored in.
  const cpus = input.affinityCpus ?? parallelism;
  if (cpus <= input.quotaCores) return { cores: cpus, from: 'cpus' };
  return { cores: Math.max(0.001, Math.round(input.quotaCores * 1000) / 1000), from: 'cgroup quota' };
}

/** `--workers auto`: one worker per whole usable core, at least one. */
export const wholeCores = (usable: UsableCores): number => Math.max(1, Math.floor(usable.cores));
