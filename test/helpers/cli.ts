/** Runs the built `stampede` CLI as a user would, with a bounded time. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/stampede.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `wrap` turns the node command line into the one to spawn (e.g. a shell that enters a cgroup first). */
export function runCli(
  args: string[],
  timeoutMs = 60_000,
  wrap: (argv: string[]) => string[] = (argv) => argv,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const [command, ...rest] = wrap([process.execPath, CLI, ...args]) as [string, ...string[]];
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts the CLI and calls `during(child)` once stderr matches `when`; for signals mid-run. */
export function runCliWith(
  args: string[],
  when: RegExp,
  during: (child: ReturnType<typeof spawn>) => void,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let fired = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!fired && when.test(stderr)) {
        fired = true;
        during(child);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface BoundedCliResult extends CliResult {
  /** The child's peak resident memory (VmHWM) as last seen, in MiB. */
  peakRssMb: number;
  /** Why the child was killed, if it was: it ran past `timeoutMs` or its memory past `maxRssMb`. */
  killedFor?: 'timeout' | 'rss';
}

/**
 * Runs the CLI and kills it once its resident memory passes `maxRssMb` (read from /proc every 100 ms) or
 * it runs past `timeoutMs`: a test of bounded memory then fails fast instead of taking the machine's memory.
 */
export function runCliBounded(
  args: string[],
  opts: { timeoutMs?: number; maxRssMb: number; env?: Record<string, string> },
): Promise<BoundedCliResult> {
  if (!existsSync('/proc/self/status'))
    throw new Error('runCliBounded reads /proc/PID/status: run these tests on Linux');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    let peakRssMb = 0;
    let killedFor: BoundedCliResult['killedFor'];
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const kill = (why: 'timeout' | 'rss') => {
      killedFor ??= why;
      child.kill('SIGKILL');
    };
    const poll = setInterval(() => {
      peakRssMb = Math.max(peakRssMb, peakRss(child.pid));
      if (peakRssMb > opts.maxRssMb) kill('rss');
    }, 100);
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, peakRssMb, ...(killedFor ? { killedFor } : {}) });
    });
  });
}

/** VmHWM of a process in MiB; 0 once it has exited. */
function peakRss(pid: number | undefined): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}
