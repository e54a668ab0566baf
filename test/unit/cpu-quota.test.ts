/**
 * The cores a process may use under a cgroup CPU quota, decided from the files' text (cpu-quota.ts), and
 * how the summary judges saturation against them: a quota of half a core is half a core, not one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatorSaturatedFinding } from '../../src/analysis/findings.js';
import {
  type CgroupLevel,
  cgroupCpuDirs,
  cpuListCount,
  decideUsableCores,
  quotaCores,
  wholeCores,
} from '../../src/metrics/cpu-quota.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';
import { checkSnapshot } from '../../src/metrics/snapshot-check.js';
import { renderConsoleSummary } from '../../src/report/console.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildSummary } from '../../src/report/summary.js';

/** This machine's shape: cgroup v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified. */
const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

const v1 = (quotaUs: string | undefined, periodUs: string | undefined = '100000'): CgroupLevel => ({
  version: 1,
  quotaUs,
  periodUs,
});
const v2 = (cpuMax: string | undefined): CgroupLevel => ({ version: 2, cpuMax });

describe('cgroupCpuDirs: where the limit files are', () => {
  it('cgroup v2: from the process cgroup up to the mount root, innermost first', () => {
    const mountinfo = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
    expect(cgroupCpuDirs(mountinfo, '0::/kubepods/burstable/pod1/c1\n')).toEqual([
      { version: 2, path: '/sys/fs/cgroup/kubepods/burstable/pod1/c1' },
      { version: 2, path: '/sys/fs/cgroup/kubepods/burstable/pod1' },
      { version: 2, path: '/sys/fs/cgroup/kubepods/burstable' },
      { version: 2, path: '/sys/fs/cgroup/kubepods' },
      { version: 2, path: '/sys/fs/cgroup' },
    ]);
  });

  it('cgroup v1: the line naming the cpu controller, alone or with cpuacct', () => {
    expect(cgroupCpuDirs(HYBRID_MOUNTINFO, '2:cpuacct:/\n1:cpu:/x\n0::/\n')).toEqual([
      { version: 2, path: '/sys/fs/cgroup/unified' },
      { version: 1, path: '/sys/fs/cgroup/cpu/x' },
      { version: 1, path: '/sys/fs/cgroup/cpu' },
    ]);
    const joint = '25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct';
    expect(cgroupCpuDirs(joint, '4:cpu,cpuacct:/docker/abc\n')).toEqual([
      { version: 1, path: '/sys/fs/cgroup/cpu,cpuacct/docker/abc' },
      { version: 1, path: '/sys/fs/cgroup/cpu,cpuacct/docker' },
      { version: 1, path: '/sys/fs/cgroup/cpu,cpuacct' },
    ]);
  });

  it("a container's mount shows its own cgroup as the root: the path is taken relative to it", () => {
    const mountinfo = '700 690 0:29 /docker/abc /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu';
    expect(cgroupCpuDirs(mountinfo, '3:cpu:/docker/abc\n')).toEqual([
      { version: 1, path: '/sys/fs/cgroup/cpu' },
    ]);
    // A cgroup outside the mounted root has no directory here.
    expect(cgroupCpuDirs(mountinfo, '3:cpu:/other\n')).toEqual([]);
    expect(cgroupCpuDirs('1 0 0:1 / /cg rw - cgroup2 cgroup2 rw', '0::/../x\n')).toEqual([]);
  });

  it('mount points with escaped spaces, optional fields and junk lines', () => {
    const mountinfo = 'garbage\n50 1 0:40 / /mnt/cg\\040two rw shared:1 master:2 - cgroup2 none rw\n';
    expect(cgroupCpuDirs(mountinfo, '0::/a\n')).toEqual([
      { version: 2, path: '/mnt/cg two/a' },
      { version: 2, path: '/mnt/cg two' },
    ]);
    expect(cgroupCpuDirs('', '')).toEqual([]);
    expect(cgroupCpuDirs(HYBRID_MOUNTINFO, 'not a cgroup file')).toEqual([]);
  });
});

describe('quotaCores: the tightest limit over the levels', () => {
  it('cgroup v2 cpu.max: "max" is no limit, "50000 100000" half a core', () => {
    expect(quotaCores([v2('max 100000\n')])).toBeUndefined();
    expect(quotaCores([v2('50000 100000\n')])).toBe(0.5);
    expect(quotaCores([v2('150000 100000')])).toBe(1.5);
  });

  it('cgroup v1: quota -1 is no limit; quota over period otherwise', () => {
    expect(quotaCores([v1('-1\n', '100000\n')])).toBeUndefined();
    expect(quotaCores([v1('50000\n', '100000\n')])).toBe(0.5);
    expect(quotaCores([v1('25000', '50000')])).toBe(0.5);
  });

  it('nested: an ancestor tighter than the process cgroup binds it, and a looser one does not', () => {
    expect(quotaCores([v1('-1'), v1('50000'), v1('200000')])).toBe(0.5);
    expect(quotaCores([v2('max 100000'), v2('30000 100000'), v2('max 100000')])).toBe(0.3);
    expect(quotaCores([v2('200000 100000'), v1('100000')])).toBe(1);
  });

  it('malformed or unreadable files are no limit known', () => {
    for (const bad of [undefined, '', 'max', 'abc 100000', '50000', '50000 0', '-5 100000', '1 2 3', '0.5 1'])
      expect(quotaCores([v2(bad)]), JSON.stringify(bad)).toBeUndefined();
    for (const [q, p] of [
      [undefined, '100000'],
      ['50000', undefined],
      ['0', '100000'],
      ['50000', '0'],
      ['x', '100000'],
      ['-2', '100000'],
      ['50000', 'NaN'],
    ] as const)
      expect(quotaCores([{ version: 1, quotaUs: q, periodUs: p }]), `${q}/${p}`).toBeUndefined();
    // A bad level does not hide a good one.
    expect(quotaCores([v2('garbage'), v1('50000')])).toBe(0.5);
  });

  it('property: never throws, and any answer is positive and no looser than the tightest valid level', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('max 100000', '50000 100000', '-1', '100000'));
    const level = fc.oneof(
      fc.record({ version: fc.constant(2 as const), cpuMax: fc.option(text, { nil: undefined }) }),
      fc.record({
        version: fc.constant(1 as const),
        quotaUs: fc.option(text, { nil: undefined }),
        periodUs: fc.option(text, { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(fc.array(level, { maxLength: 6 }), (levels) => {
        const q = quotaCores(levels);
        if (q !== undefined) expect(q).toBeGreaterThan(0);
        for (const l of levels)
          if (l.version === 2 && l.cpuMax === '50000 100000') expect(q).toBeLessThanOrEqual(0.5);
      }),
    );
  });
});

describe('decideUsableCores', () => {
  it('min(CPUs, quota), saying which bound it was', () => {
    expect(decideUsableCores({ parallelism: 2, affinityCpus: 2, quotaCores: 0.5 })).toEqual({
      cores: 0.5,
      from: 'cgroup quota',
    });
    expect(decideUsableCores({ parallelism: 2, affinityCpus: 2, quotaCores: 4 })).toEqual({
      cores: 2,
      from: 'cpus',
    });
    expect(decideUsableCores({ parallelism: 8, affinityCpus: 8, quotaCores: undefined })).toEqual({
      cores: 8,
      from: 'cpus',
    });
  });

  it("Node 24's floored availableParallelism does not hide a fractional quota above one core", () => {
    // 1.5 cores of quota on 4 CPUs: libuv reports 1; the affinity list says 4, so the quota counts.
    expect(decideUsableCores({ parallelism: 1, affinityCpus: 4, quotaCores: 1.5 })).toEqual({
      cores: 1.5,
      from: 'cgroup quota',
    });
    // No affinity list readable: Node's figure is the other bound.
    expect(decideUsableCores({ parallelism: 2, affinityCpus: undefined, quotaCores: 0.5 }).cores).toBe(0.5);
  });

  it('--workers auto: whole usable cores, at least one', () => {
    expect(wholeCores({ cores: 0.5, from: 'cgroup quota' })).toBe(1);
    expect(wholeCores({ cores: 2.5, from: 'cgroup quota' })).toBe(2);
    expect(wholeCores({ cores: 4, from: 'cpus' })).toBe(4);
  });

  it('cpuListCount reads Cpus_allowed_list', () => {
    expect(cpuListCount('0-1')).toBe(2);
    expect(cpuListCount('0-3,8,10-11\n')).toBe(7);
    expect(cpuListCount('0')).toBe(1);
    for (const bad of [undefined, '', 'ff', '3-1', '0-', '1,,2']) expect(cpuListCount(bad)).toBeUndefined();
  });
});

/** A shard that ran `seconds` seconds at `cpuPercent` (of one core) on the given cores. */
function quotaRun(cores: number, coresFrom: 'cpus' | 'cgroup quota', cpuPercent: number, key = 'pod-a') {
  const shard = new ShardRecorder(0, 1, { cores, coresFrom, threads: 1 });
  shard.scenario('s', 'constant-arrival-rate', 'open');
  for (let i = 0; i < 5; i++) shard.closeInterval({ loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent });
  const snap = shard.snapshot();
  return { ...snap, process: { ...snap.process, key } } satisfies ShardSnapshot;
}

const summarize = (snapshots: ShardSnapshot[]) =>
  buildSummary({
    name: 'quota',
    target: 'http://127.0.0.1:1',
    run: mergeSnapshots(snapshots),
    plans: [],
    thresholds: [],
    outcome: 'completed',
    finishedAtMs: Date.now(),
  });

describe('the summary judges saturation against the quota', () => {
  it('48% of one core on a 0.5-core quota is CPU-bound, and every report says 0.5 cores (cgroup quota)', () => {
    const snap = quotaRun(0.5, 'cgroup quota', 48);
    expect(checkSnapshot(JSON.parse(JSON.stringify(snap))).ok).toBe(true);
    const s = summarize([snap]);
    expect(s.generator).toMatchObject({
      cores: 0.5,
      coresFrom: 'cgroup quota',
      saturated: true,
      cpuBusySeconds: 5,
    });
    expect(s.generator.reasons[0]).toMatch(/CPU at or above 90% of 0\.5 usable core\(s\) \(cgroup quota\)/);
    expect(renderConsoleSummary(s)).toMatch(/generator: 1 thread\(s\) on 0\.5 cores \(cgroup quota\)/);
    expect(renderMarkdown(s)).toMatch(/in 1 process\(es\) on 0\.5 cores \(cgroup quota\)/);
    expect(generatorSaturatedFinding(s)?.recommendation).toMatch(
      /a CPU limit above the cgroup quota's 0\.5 cores/,
    );
  });

  it('the same CPU on two unlimited CPUs is a generator with capacity left', () => {
    const s = summarize([quotaRun(2, 'cpus', 48)]);
    expect(s.generator).toMatchObject({ cores: 2, coresFrom: 'cpus', saturated: false, cpuBusySeconds: 0 });
    expect(renderConsoleSummary(s)).toMatch(/on 2 cores,/);
  });

  it('runner pods add up: two pods of 0.25 cores are 0.5 cores (cgroup quota)', () => {
    const s = summarize([quotaRun(0.25, 'cgroup quota', 10, 'a'), quotaRun(0.25, 'cgroup quota', 10, 'b')]);
    expect(s.generator).toMatchObject({ processes: 2, cores: 0.5, coresFrom: 'cgroup quota' });
  });

  it('a snapshot from a runner before coresFrom still merges, as cpus', () => {
    const { coresFrom: _, ...old } = quotaRun(2, 'cpus', 10).process;
    const snap = { ...quotaRun(2, 'cpus', 10), process: old };
    expect(checkSnapshot(JSON.parse(JSON.stringify(snap))).ok).toBe(true);
    expect(mergeSnapshots([snap]).generator.coresFrom).toBe('cpus');
    expect(checkSnapshot({ ...snap, process: { ...old, coresFrom: 'guess' } }).ok).toBe(false);
  });
});
