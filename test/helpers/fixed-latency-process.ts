/**
 * The fixed-latency target (fixed-latency-target.mjs) in a separate process, pinned to one core with
 * taskset (Debian util-linux) when `cpu` is given, so it never competes with the generator for a core.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FixedLatencyServer } from './fixed-latency-server.js';

const TARGET = fileURLToPath(new URL('./fixed-latency-target.mjs', import.meta.url));
const START_TIMEOUT_MS = 10_000;

/** Fails with how to install taskset when it is missing: a truth test must not quietly run unpinned. */
export function requireTaskset(): void {
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'taskset not found: install it with `apt-get install util-linux` (pins truth-test processes to cores)',
    );
  }
}

export async function startFixedLatencyProcess(holdMs: number, cpu?: number): Promise<FixedLatencyServer> {
  const node = [process.execPath, TARGET, String(holdMs)];
  const [cmd, ...args] = cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node];
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fixed-latency target: no ${what}`)), START_TIMEOUT_MS);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        fn();
      };
      const onExit = (code: number | null) =>
        settle(() => reject(new Error(`fixed-latency target exited with ${code}`)));
      child.once('message', (m) => settle(() => resolve(m as T)));
      child.once('exit', onExit);
    });
  const { port } = await next<{ port: number }>('port');
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => {
      const reply = next<{ held: number[]; requests: number }>('stats');
      child.send('stats');
      return reply;
    },
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.send('close');
  });
}
