/**
 * A real cgroup with a CPU quota for a test, on whichever hierarchy holds the cpu controller: v1 (`cpu`
 * mounted on its own or as cpu,cpuacct) or v2 (`cpu` in cgroup.controllers). Processes go into a child
 * with no quota of its own, so the limit reaches them from the parent as it does in a pod. Needs root.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CpuCgroup {
  version: 1 | 2;
  /** Holds the quota. */
  outer: string;
  /** Where processes run: inherits the quota. */
  inner: string;
  /** argv that runs `argv` inside `inner`: a shell moves itself in, then execs it (same pid). */
  wrap(argv: string[]): string[];
  /** Periods in which the quota stopped the group, from cpu.stat. */
  throttledPeriods(): number;
  remove(): Promise<void>;
}

const NEEDS =
  'this test needs root and a writable cgroup cpu controller: cgroup v1 with `cpu` mounted (e.g. ' +
  '/sys/fs/cgroup/cpu or /sys/fs/cgroup/cpu,cpuacct), or cgroup v2 with `cpu` in cgroup.controllers ' +
  '(run the tests as root on the host or in a privileged container)';

/** Mount points of the cpu controller, from /proc/self/mountinfo: v1 first, as the kernel prefers it. */
function cpuMounts(): { version: 1 | 2; path: string }[] {
  const found: { version: 1 | 2; path: string }[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const mountPoint = left?.split(' ')[4];
    const [fsType, , options] = right?.split(' ') ?? [];
    if (!mountPoint) continue;
    if (fsType === 'cgroup' && options?.split(',').includes('cpu'))
      found.unshift({ version: 1, path: mountPoint });
    const controllers = join(mountPoint, 'cgroup.controllers');
    if (fsType === 'cgroup2' && existsSync(controllers) && /\bcpu\b/.test(readFileSync(controllers, 'utf8')))
      found.push({ version: 2, path: mountPoint });
  }
  return found;
}

export function makeCpuCgroup(quotaUs: number, periodUs: number): CpuCgroup {
  const mount = cpuMounts()[0];
  if (!mount) throw new Error(`${NEEDS}; no cpu controller is mounted (see /proc/self/mountinfo)`);
  const outer = join(mount.path, `stampede-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  const inner = join(outer, 'run');
  try {
    mkdirSync(outer);
    if (mount.version === 1) {
      writeFileSync(join(outer, 'cpu.cfs_period_us'), String(periodUs));
      writeFileSync(join(outer, 'cpu.cfs_quota_us'), String(quotaUs));
      // Top weight: the quota, not neighbours on a shared machine, is what holds the group back.
      writeFileSync(join(outer, 'cpu.shares'), '262144');
    } else {
      const subtree = join(mount.path, 'cgroup.subtree_control');
      if (!/\bcpu\b/.test(readFileSync(subtree, 'utf8'))) writeFileSync(subtree, '+cpu');
      writeFileSync(join(outer, 'cpu.max'), `${quotaUs} ${periodUs}`);
      writeFileSync(join(outer, 'cpu.weight'), '10000');
    }
    mkdirSync(inner);
  } catch (error) {
    for (const dir of [inner, outer]) if (existsSync(dir)) rmdirSync(dir);
    throw new Error(`${NEEDS}; making ${outer} failed: ${(error as Error).message}`);
  }
  return {
    version: mount.version,
    outer,
    inner,
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', inner, ...argv],
    throttledPeriods: () =>
      Number(/^nr_throttled (\d+)$/m.exec(readFileSync(join(outer, 'cpu.stat'), 'utf8'))?.[1] ?? 0),
    async remove() {
      // A process that just exited may hold its cgroup for a moment (EBUSY).
      for (const dir of [inner, outer]) {
        for (let attempt = 0; existsSync(dir); attempt++) {
          try {
            rmdirSync(dir);
          } catch (error) {
            if (attempt >= 50) throw error;
            await sleep(100);
          }
        }
      }
    },
  };
}
