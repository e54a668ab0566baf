import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scalability } from '../../src/analysis/model.js';
import { runCli } from '../helpers/cli.js';

/** The demo target serves 10 requests at once, 100 ms each: its capacity is 100 requests per second. */
const CAPACITY = 10;
const LATENCY_MS = 100;
const CAPACITY_RPS = (CAPACITY * 1000) / LATENCY_MS;
/** levels.step in examples/breakpoint.yaml. */
const STEP = 25;

describe('breakpoint executor against the demo target with a capacity limit', () => {
  it('finds the breaking point within one step of the limit, then drops back and times the recovery', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'stampede-breakpoint-')), 'report');
    const result = await runCli(
      [
        'run',
        'examples/breakpoint.yaml',
        '--demo-target',
        '--demo-capacity',
        String(CAPACITY),
        '--demo-latency',
        `${LATENCY_MS}ms`,
        '--demo-jitter',
        '0ms',
        '--workers',
        '2',
        '--quiet',
        '--out',
        out,
      ],
      60_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/breaking point: load \d+\/s at level \d+ \(/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    const s = summary.scalability as Scalability;
    const breaking = s.breakingPoint.value;
    expect(breaking, s.breakingPoint.method).not.toBeNull();
    expect(Math.abs((breaking?.load ?? 0) - CAPACITY_RPS)).toBeLessThanOrEqual(STEP);
    expect(s.rating).toBe('broke');
    // Stepping stopped at the breaking level: no level above it ran.
    const load = s.levels.filter((l) => l.phase === 'load');
    expect(load.at(-1)?.load).toBe(breaking?.load);
    expect(load.every((l, i) => l.load === 25 + STEP * i)).toBe(true);
    const recoveryLevel = s.levels.find((l) => l.phase === 'recovery');
    expect(recoveryLevel?.load).toBe(25);
    expect(s.recovery.value?.recovered, s.recovery.method).toBe(true);
    expect(s.recovery.value?.seconds).toBeGreaterThanOrEqual(0);
    expect(s.recovery.value?.seconds).toBeLessThanOrEqual(5);
    // The generator measured itself at every level.
    for (const l of s.levels) {
      expect(l.generatorCpuPercent).toBeGreaterThan(0);
      expect(l.generatorRssMb).toBeGreaterThan(10);
    }
    expect(s.capacityAtSlo.value?.load).toBeLessThan(breaking?.load ?? 0);
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/## Response times by load level/);
    expect(report).toContain(s.breakingPoint.method);
  }, 70_000);
});
