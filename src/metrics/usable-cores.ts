/**
 * Reads what cpu-quota.ts decides from: /proc/self/mountinfo and /proc/self/cgroup (where the cgroup
 * files are), the CPU limit files of each level, and Cpus_allowed_list. Never throws: a file that cannot be
 * read means no limit known, and off Linux that is every file.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import {
  type CgroupLevel,
  cgroupCpuDirs,
  cpuListCount,
  decideUsableCores,
  quotaCores,
  type UsableCores,
} from './cpu-quota.js';

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

function readLevels(): CgroupLevel[] {
  const dirs = cgroupCpuDirs(read('/proc/self/mountinfo') ?? '', read('/proc/self/cgroup') ?? '');
  return dirs.map((d) =>
    d.version === 2
      ? { version: 2, cpuMax: read(posix.join(d.path, 'cpu.max')) }
      : {
          version: 1,
          quotaUs: read(posix.join(d.path, 'cpu.cfs_quota_us')),
          periodUs: read(posix.join(d.path, 'cpu.cfs_period_us')),
        },
  );
}

/** The cores this process may use now: CPU affinity capped by its cgroup's CPU quota. */
export function usableCores(): UsableCores {
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(read('/proc/self/status') ?? '')?.[1];
  let quota: number | undefined;
  try {
    quota = quotaCores(readLevels());
  } catch {
    quota = undefined; // the parse is total, but a probe must never stop a run
  }
  return decideUsableCores({
    parallelism: availableParallelism(),
    affinityCpus: cpuListCount(allowed),
    quotaCores: quota,
  });
}
