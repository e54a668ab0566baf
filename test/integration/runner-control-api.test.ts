import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerState } from '../../src/runner/protocol.js';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

const loadTest = (baseURL: string, scenario: Record<string, unknown> = SHARED) => ({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'runner-test' },
  spec: {
    target: { baseURL },
    scenarios: { s: scenario },
  },
});

const SHARED = {
  executor: 'shared-iterations',
  vus: 3,
  iterations: 31,
  flow: [{ name: 'get', request: { url: '/' } }],
};
const STEADY = {
  executor: 'constant-vus',
  vus: 2,
  duration: '3s',
  flow: [{ name: 'get', request: { url: '/' }, think: { constant: '10ms' } }],
};

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `stampede runner` as a pod runs it: env from the Job, control API for the controller. */
describe('stampede runner', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('starts paused, runs its shard at the shared start time, keeps the final snapshot until released', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        JOB_COMPLETION_INDEX: '1',
        STAMPEDE_SHARDS: '2',
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        ...controlEnv,
        STAMPEDE_LOADTEST: JSON.stringify(loadTest(server.url)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 10_000);
    expect(server.requests).toBe(0);
    expect(((await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState).state).toBe('waiting');

    const startAt = Date.now() + 300;
    const start = await controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt }) });
    expect(start.status).toBe(202);
    // The same start again (a restarted controller) is accepted; a different one is a conflict.
    expect(
      (await controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt }) })).status,
    ).toBe(202);
    expect(
      (
        await controlFetch(`${base}/start`, {
          method: 'POST',
          body: JSON.stringify({ startAt: startAt + 1 }),
        })
      ).status,
    ).toBe(409);

    const final = await waitFor(async () => {
      const s = (await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState;
      return s.state === 'done' ? s.snapshot : undefined;
    }, 20_000);
    // The runner keeps its results until the controller says they are stored.
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBe(null);
    expect((await controlFetch(`${base}/release`, { method: 'POST' })).status).toBe(202);
    // Shard 1 of 2 runs 2 of the 3 VUs, so it owns 21 of the 31 shared iterations (31 - floor(31*1/3)).
    expect(final.shard).toEqual({ index: 1, total: 2 });
    expect(final.steps[0]?.requests).toBe(21);
    expect(final.startedAtMs).toBeGreaterThanOrEqual(startAt);
    expect(await exited).toBe(0);
  });

  it('serves Prometheus metrics while running', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        ...controlEnv,
        STAMPEDE_LINGER_SECONDS: '0',
        STAMPEDE_LOADTEST: JSON.stringify(loadTest(server.url, STEADY)),
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 10_000);
    await controlFetch(`${base}/start`, {
      method: 'POST',
      body: JSON.stringify({ startAt: new Date().toISOString() }),
    });
    const text = await waitFor(async () => {
      const body = await (await fetch(`${base}/metrics`)).text();
      return body.includes('status_class="2xx"') ? body : undefined;
    }, 10_000);
    expect(text).toMatch(
      /stampede_requests_total\{scenario="s",step="get",protocol="http",status_class="2xx",loadtest="runner-test"\} \d+/,
    );
    expect(text).toMatch(/# TYPE stampede_generator_event_loop_delay_p99_seconds gauge/);
    expect(await exited).toBe(0);
  });

  it('fails fast with the reasons when its configuration is unusable', async () => {
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        JOB_COMPLETION_INDEX: '3',
        STAMPEDE_SHARDS: '2',
        STAMPEDE_LOADTEST: '{"kind":"LoadTest"}',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(out).toMatch(/runner configuration invalid/);
    expect(out).toMatch(/JOB_COMPLETION_INDEX 3 is outside 0..1/);
    expect(out).toMatch(/spec: is required/);
  });
});
