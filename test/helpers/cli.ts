/** Runs the built `stampede` CLI as a user would, with a bounded time. */
import { spawn } from 'node:child_process';
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
