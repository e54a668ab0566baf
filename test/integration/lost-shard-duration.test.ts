import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

/** Nothing to do for 3 s, then more VUs than a 96 MB heap holds: the worker dies after 3 s of load, every time. */
const LATE_DEATH = `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: late }
spec:
  target: { baseURL: "http://127.0.0.1:1", timeout: 2s }
  scenarios:
    s: { executor: constant-vus, vus: 300000, duration: 20s, startTime: 3s, flow: [ { name: a, request: { url: /a }, think: { constant: 10s } } ] }
`;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

describe('a shard lost mid-run', () => {
  it('the report gives the time load ran until the loss, not the age of its last snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-lost-'));
    const file = join(dir, 'late.yaml');
    await writeFile(file, LATE_DEATH);
    const out = join(dir, 'report');
    const startedMs = performance.now();
    const result = await run(['run', file, '--workers', '1', '--quiet', '--out', out], {
      ...process.env,
      NODE_OPTIONS: '--max-old-space-size=96',
    });
    const wallSeconds = (performance.now() - startedMs) / 1000;
    expect(result.code, result.stdout).toBe(1);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('failed');
    expect(summary.shards.filter((s: { lost?: boolean }) => s.lost)).toHaveLength(1);
    // Lost once its scenario started, 3 s in: it ran at least that long (the old report said 0-1 s).
    expect(summary.durationSeconds).toBeGreaterThanOrEqual(3);
    expect(summary.durationSeconds).toBeLessThanOrEqual(wallSeconds);
    expect(result.stdout).toMatch(/late: failed after (\d+\.?\d*)s/);
    expect(Number(/failed after (\d+\.?\d*)s/.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
