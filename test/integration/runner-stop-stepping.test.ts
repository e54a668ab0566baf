import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerState } from '../../src/runner/protocol.js';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { pollUntil } from '../helpers/poll.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

/** 20 levels of 1 s would take 20 s; told to stop, the runner does 1 s of recovery and finishes. */
const BREAKPOINT = {
  executor: 'breakpoint',
  levels: { unit: 'vus', start: 1, step: 1, max: 20, duration: '1s' },
  stopWhen: ['p(95)>1s'],
  recovery: { duration: '1s' },
  flow: [{ name: 'get', request: { url: '/' }, think: { constant: '20ms' } }],
};

describe('stampede runner: POST /stop-stepping', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('cuts the level schedule at the given offset, runs the recovery and reports the stop', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        ...controlEnv,
        STAMPEDE_LOADTEST: JSON.stringify({
          apiVersion: 'stampede.dev/v1alpha1',
          kind: 'LoadTest',
          metadata: { name: 'stepping' },
          spec: { target: { baseURL: server.url }, scenarios: { search: BREAKPOINT } },
        }),
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, body: unknown) =>
      controlFetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
    await pollUntil('the runner to be ready', 10_000, async () =>
      (await fetch(`${base}/readyz`)).ok ? true : undefined,
    );
    const order = { scenario: 'search', atOffsetMs: 2000, level: 1, condition: 'p(95)>1s' };
    expect((await post('/stop-stepping', order)).status).toBe(409); // not started yet
    const startAt = Date.now() + 200;
    expect((await post('/start', { startAt })).status).toBe(202);
    expect((await post('/stop-stepping', { scenario: 'search', atOffsetMs: -1 })).status).toBe(400);
    expect((await post('/stop-stepping', { ...order, scenario: 'nope' })).status).toBe(409);
    expect((await post('/stop-stepping', order)).status).toBe(202);

    const final = await pollUntil('the runner to finish', 15_000, async () => {
      const s = (await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState;
      return s.state === 'done' ? s.snapshot : undefined;
    });
    expect(final.scenarios[0]?.stepping).toEqual({ stoppedAtMs: 2000, level: 1, condition: 'p(95)>1s' });
    // Levels 0 and 1 (2 s), then 1 s of recovery: far short of the 20 s the levels alone would take.
    expect(final.elapsedMs).toBeLessThan(6000);
    // Level 1 held 2 VUs: the peak never reached level 2's 3.
    expect(final.scenarios[0]?.peakVUs).toBe(2);
    expect((await post('/release', {})).status).toBe(202);
    expect(await exited).toBe(0);
  }, 30_000);
});
