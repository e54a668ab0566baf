/** A real `stampede runner` process on 127.0.0.1 for a test: started with a control token, waited for. */
import { spawn } from 'node:child_process';
import { CLI } from './cli.js';
import { closedPort } from './http-server.js';
import { controlEnv, controlFetch } from './runner-control.js';

export interface RunnerProcess {
  /** http://127.0.0.1:PORT of its control API. */
  base: string;
  exited: Promise<unknown>;
  /** POST /start for now. */
  start(): Promise<Response>;
  /** Cancels the kill timer once the test has let the runner end. */
  done(): void;
}

/**
 * Spawns the runner for `loadTest` and waits (up to `readyTries` x 100 ms) for /readyz. A runner a failed
 * assertion leaves waiting for /release is killed after `killAfterMs`.
 */
export async function startRunnerProcess(
  loadTest: unknown,
  opts: { env?: Record<string, string>; readyTries?: number; killAfterMs?: number } = {},
): Promise<RunnerProcess> {
  const port = await closedPort();
  const child = spawn(process.execPath, [CLI, 'runner'], {
    env: {
      ...process.env,
      STAMPEDE_CONTROL_PORT: String(port),
      POD_IP: '127.0.0.1',
      ...controlEnv,
      ...opts.env,
      STAMPEDE_LOADTEST: JSON.stringify(loadTest),
    },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 25_000);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < (opts.readyTries ?? 100); i++) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    exited,
    start: () =>
      controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt: Date.now() }) }),
    done: () => clearTimeout(timer),
  };
}
