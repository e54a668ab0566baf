import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

interface StepJson {
  step: string;
  protocol: string;
  requests: number;
  failures: number;
  statuses: Record<string, number>;
  grpc?: { messages: number };
}

const PROTO = fileURLToPath(new URL('../../examples/demo.proto', import.meta.url));

describe('examples/grpc.yaml', () => {
  it('runs end to end with stampede run --demo-target (the demo gRPC Greeter) and passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-grpc-'));
    const manifest = parse(await readFile(new URL('../../examples/grpc.yaml', import.meta.url), 'utf8'));
    manifest.spec.scenarios.greeters.duration = '2s';
    // The shortened copy lives elsewhere: point its steps at the shipped proto.
    for (const step of manifest.spec.scenarios.greeters.flow) step.grpc.proto = PROTO;
    const file = join(dir, 'grpc.json');
    const out = join(dir, 'report');
    await writeFile(file, JSON.stringify(manifest));
    const result = await runCli(['run', file, '--demo-target', '--workers', '1', '--out', out, '--quiet']);
    expect(result.stderr).toMatch(/demo target started at grpc:\/\/127\.0\.0\.1:\d+/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      verdict: string;
      steps: StepJson[];
    };
    expect(summary.verdict).toBe('passed');
    const byStep = Object.fromEntries(summary.steps.map((s) => [s.step, s]));
    // 50 iterations a second for 2 s; on a busy machine a few may be dropped or cut at the end, so the
    // counts are checked against each other rather than against exactly 100.
    const calls = byStep.hello?.requests ?? 0;
    expect(calls).toBeGreaterThan(50);
    expect(calls).toBeLessThanOrEqual(100);
    for (const name of ['hello', 'count', 'lookup-missing']) {
      expect(byStep[name]).toMatchObject({ protocol: 'grpc', failures: 0 });
      expect(byStep[name]?.requests).toBeGreaterThan(50);
    }
    expect(byStep.hello?.statuses).toEqual({ OK: calls });
    expect(byStep['lookup-missing']?.statuses).toEqual({ NOT_FOUND: byStep['lookup-missing']?.requests });
    // Every stream ran to its end: five messages each.
    expect(byStep.count?.grpc?.messages).toBe(5 * (byStep.count?.requests ?? 0));
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toContain('greeters/count (gRPC)');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('greeters/lookup-missing');
  });
});
