import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { pollUntil } from '../helpers/poll.js';
import { CONTROL_TOKEN, controlEnv, controlFetch } from '../helpers/runner-control.js';

const loadTest = (baseURL: string) => ({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'auth' },
  spec: {
    target: { baseURL },
    scenarios: {
      s: { executor: 'shared-iterations', vus: 1, iterations: 5, flow: [{ request: { url: '/' } }] },
    },
  },
});

const CONTROL_ROUTES: [string, string, unknown?][] = [
  ['POST', '/start', { startAt: Date.now() }],
  ['POST', '/stop'],
  ['POST', '/release'],
  ['POST', '/stop-stepping', { scenario: 's', atOffsetMs: 0, level: 0, condition: 'x' }],
  ['GET', '/snapshot'],
  ['GET', '/no-such-route'],
];

const WRONG_CREDENTIALS: [string, Record<string, string>][] = [
  ['no header', {}],
  ['a wrong token', { authorization: 'Bearer not-the-token-0123456789abcdefghijklmnop' }],
  ['the token as Basic', { authorization: `Basic ${CONTROL_TOKEN}` }],
  ['the token with a suffix', { authorization: `Bearer ${CONTROL_TOKEN}x` }],
  ['an empty bearer', { authorization: 'Bearer ' }],
];

/** `stampede runner` as started locally: only the holder of its control token may command it. */
describe('stampede runner: authenticated control API', () => {
  let target: TestServer;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let base: string;
  beforeAll(async () => {
    target = await startServer((_req, res) => res.end('ok'));
    const port = await closedPort();
    child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        ...controlEnv,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        STAMPEDE_LOADTEST: JSON.stringify(loadTest(target.url)),
      },
      stdio: 'ignore',
    });
    exited = new Promise((resolve) => child.on('exit', resolve));
    base = `http://127.0.0.1:${port}`;
    await pollUntil('the runner to be ready', 10_000, async () =>
      (await fetch(`${base}/readyz`)).ok ? true : undefined,
    );
  }, 20_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    return target.close();
  });

  it('refuses every control route without the bearer token, and sends no load', async () => {
    for (const [method, path, body] of CONTROL_ROUTES)
      for (const [what, headers] of WRONG_CREDENTIALS) {
        const res = await fetch(`${base}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(`${method} ${path} with ${what}: ${res.status}`).toBe(`${method} ${path} with ${what}: 401`);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.text()).not.toContain('"state"');
      }
    await new Promise((r) => setTimeout(r, 300));
    expect(target.requests).toBe(0);
    expect(child.exitCode).toBe(null);
  });

  it('keeps the probes and /metrics open', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('with the token, refuses implausible start instants, then accepts one start', async () => {
    const start = (startAt: unknown) =>
      controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt }) });
    const far = await start(1e15);
    expect(far.status).toBe(400);
    expect(((await far.json()) as { message: string }).message).toMatch(/in the future/);
    const ancient = await start(0);
    expect(ancient.status).toBe(400);
    expect(((await ancient.json()) as { message: string }).message).toMatch(/in the past/);
    expect((await controlFetch(`${base}/snapshot`)).status).toBe(200);
    expect(target.requests).toBe(0);

    const at = Date.now() + 200;
    expect((await start(at)).status).toBe(202);
    expect((await start(at + 1)).status).toBe(409);
    await pollUntil('the shard to finish', 15_000, async () => (target.requests === 5 ? true : undefined));
    expect((await controlFetch(`${base}/release`, { method: 'POST' })).status).toBe(202);
    expect(await exited).toBe(0);
  }, 30_000);

  it('will not run without a control token of at least 32 characters, and never prints it', async () => {
    const secret = 'short-but-secret';
    const proc = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        STAMPEDE_CONTROL_TOKEN: secret,
        STAMPEDE_CONTROL_PORT: '0',
        STAMPEDE_LOADTEST: JSON.stringify(loadTest(target.url)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code).toBe(2);
    expect(out).toMatch(/STAMPEDE_CONTROL_TOKEN must hold at least 32 characters \(it has 16\)/);
    expect(out).not.toContain(secret);
  });
});
