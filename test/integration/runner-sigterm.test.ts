import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerState } from '../../src/runner/protocol.js';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

const LONG = {
  executor: 'constant-vus',
  vus: 2,
  duration: '60s',
  flow: [{ name: 'get', request: { url: '/' }, think: { constant: '10ms' } }],
};

async function snapshot(base: string): Promise<RunnerState> {
  return (await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState;
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM is how Kubernetes deletes a runner pod: stop the load, keep the results for the controller. */
describe('stampede runner on SIGTERM', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  async function startRunner(lingerSeconds: string) {
    const served = server.requests;
    const port = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...controlEnv,
        ...process.env,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        STAMPEDE_LINGER_SECONDS: lingerSeconds,
        STAMPEDE_LOADTEST: JSON.stringify({
          apiVersion: 'stampede.dev/v1alpha1',
          kind: 'LoadTest',
          metadata: { name: 'sigterm' },
          spec: { target: { baseURL: server.url }, scenarios: { s: LONG } },
        }),
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    await until(async () => ((await controlFetch(`${base}/readyz`)).ok ? true : undefined), 10_000);
    await controlFetch(`${base}/start`, {
      method: 'POST',
      body: JSON.stringify({ startAt: Date.now() + 100 }),
    });
    await until(async () => ((await snapshot(base)).snapshot ? true : undefined), 5_000);
    await new Promise((r) => setTimeout(r, 1000));
    return { child, exited, base, served };
  }

  it('stops the load and serves its final snapshot until the controller releases it', async () => {
    const { child, exited, base, served } = await startRunner('300');
    child.kill('SIGTERM');
    const final = await until(async () => {
      const s = await snapshot(base);
      return s.state === 'done' ? s : undefined;
    }, 10_000);
    const requests = server.requests;
    expect(requests).toBeGreaterThan(served);
    // Still there a while later, and no more load was sent.
    await new Promise((r) => setTimeout(r, 1000));
    const again = await snapshot(base);
    expect(again.state).toBe('done');
    // The controller learns that a signal, not the plan, ended this shard's run.
    expect(again.interrupted).toBe('SIGTERM');
    expect(again.snapshot.steps).toEqual(final.snapshot.steps);
    // Everything the server answered is in the snapshot.
    expect(again.snapshot.steps[0]?.requests).toBe(requests - served);
    expect(server.requests).toBe(requests);
    await controlFetch(`${base}/release`, { method: 'POST' });
    expect(await exited).toBe(0);
  });

  it('a SIGTERM after the controller stopped the run is no interruption', async () => {
    const { child, exited, base } = await startRunner('300');
    await controlFetch(`${base}/stop`, { method: 'POST' });
    await until(async () => ((await snapshot(base)).state === 'done' ? true : undefined), 10_000);
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const after = await snapshot(base);
    expect(after.state).toBe('done');
    expect(after.interrupted).toBeUndefined();
    await controlFetch(`${base}/release`, { method: 'POST' });
    expect(await exited).toBe(0);
  });

  it('exits on its own after a bounded linger when no controller collects the snapshot', async () => {
    const { child, exited, base } = await startRunner('2');
    const killedAt = Date.now();
    child.kill('SIGTERM');
    await until(async () => ((await snapshot(base)).state === 'done' ? true : undefined), 10_000);
    expect(await exited).toBe(0);
    // Linger (2 s) plus the graceful stop: well inside a pod's 30 s termination grace period.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  });
});
