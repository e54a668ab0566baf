import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

const SHORT = `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: short }
spec:
  target: { baseURL: "http://127.0.0.1:1" }
  scenarios:
    s: { executor: shared-iterations, vus: 1, iterations: 5, flow: [ { name: data, request: { url: /api/data } } ] }
`;

/** Direct children of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The command name in (...) may hold spaces: the fields after its closing paren are fixed.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

describe('a signal after the report is written', () => {
  it('ends the run with the report’s exit code, not 130, while the demo target is still stopping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-late-signal-'));
    const file = join(dir, 'short.yaml');
    await writeFile(file, SHORT);
    const out = join(dir, 'report');
    const child = spawn(
      process.execPath,
      [CLI, 'run', file, '--out', out, '--workers', '1', '--demo-target', '--quiet'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let demoPid: number | undefined;
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      // Load is over once the console summary is out: hold the demo target so its stop (after the report)
      // lasts until the signal is in, a window that was a few ms wide and now is as long as the test wants.
      if (demoPid === undefined && /completed after/.test(stdout)) {
        demoPid = childrenOf(child.pid as number)[0];
        if (demoPid !== undefined) process.kill(demoPid, 'SIGSTOP');
      }
      if (/report written/.test(stdout)) child.kill('SIGINT');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    // 'exit', not 'close': a held demo target keeps the inherited stderr open.
    const ended = await new Promise<Ended>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
    );
    clearTimeout(timer);
    // The old code, killed by the signal, left the held demo target behind: never leave one.
    if (demoPid !== undefined) {
      try {
        process.kill(demoPid, 'SIGKILL');
      } catch {
        // Already reaped by the run (the new behaviour).
      }
    }
    expect(demoPid, 'the demo target child was not found').toBeDefined();
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('completed');
    // The demo's /api/data wants a login token: every request fails, the report says FAILED, so 99.
    expect(summary.verdict).toBe('failed');
    expect({ code: ended.code, signal: ended.signal }, ended.stderr).toEqual({ code: 99, signal: null });
    expect(ended.stderr).toMatch(/SIGINT after the report was written: exiting with its code/);
  }, 90_000);
});
