import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import { runCli } from '../helpers/cli.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

const login = (name: string) => ({
  name,
  request: { method: 'POST' as const, url: '/api/login', json: { username: 'user-${vu}' } },
  extract: { token: { json: '$.token' } },
  check: { status: 200 },
});
const browse = {
  name: 'browse',
  request: { url: '/api/data', headers: { authorization: 'Bearer ${vars.token}' } },
  retry: { max: 1, statuses: [401], backoff: '0ms' },
  check: { status: 200 },
};

/** Per-VU setup, refresh and teardown against real servers, including the demo's expiring tokens. */
describe('per-VU lifecycle', () => {
  let server: TestServer;
  const calls: { path: string; vu: string }[] = [];
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      calls.push({ path: url.pathname, vu: url.searchParams.get('vu') ?? '' });
      return json(res, 200, { token: `t-${url.searchParams.get('vu')}` });
    });
  });
  afterAll(() => server.close());

  it('runs setup once per VU before its iterations and teardown once per VU after them', async () => {
    const summary = await run(
      loadTest(server.url, {
        life: {
          executor: 'per-vu-iterations',
          vus: 3,
          iterations: 4,
          lifecycle: {
            setup: [
              { name: 'in', request: { url: '/login?vu=${vu}' }, extract: { token: { json: '$.token' } } },
            ],
            teardown: [{ name: 'out', request: { url: '/logout?vu=${vu}&t=${vars.token}' } }],
          },
          flow: [{ name: 'work', request: { url: '/work?vu=${vu}&t=${vars.token}' } }],
        },
      }),
    );
    expect(stepOf(summary, 'setup/in').requests).toBe(3);
    expect(stepOf(summary, 'work').requests).toBe(12);
    expect(stepOf(summary, 'teardown/out').requests).toBe(3);
    // Per VU: login first, then its four iterations, then logout.
    for (const vu of new Set(calls.map((c) => c.vu))) {
      expect(calls.filter((c) => c.vu === vu).map((c) => c.path)).toEqual([
        '/login',
        '/work',
        '/work',
        '/work',
        '/work',
        '/logout',
      ]);
    }
  });

  describe('against the demo target with tokens that expire', () => {
    let demo: DemoTarget;
    beforeAll(async () => {
      demo = await startDemoTarget({ port: 0, latencyMs: 0, jitterMs: 0, tokenTtlMs: 300 });
    });
    afterAll(() => demo.close());

    it('refreshes when a request is refused, and the retried request passes', async () => {
      const summary = await run(
        loadTest(demo.url, {
          soak: {
            executor: 'constant-vus',
            vus: 2,
            duration: '1500ms',
            lifecycle: {
              setup: [login('login')],
              refresh: { if: 'last.status == 401', steps: [login('login')] },
            },
            flow: [{ ...browse, think: { constant: '50ms' } }],
          },
        }),
      );
      const b = stepOf(summary, 'browse');
      // Tokens live 300 ms, so some requests were refused; each one led to a refresh and a passing retry.
      const refused = b.statuses['401'] ?? 0;
      expect(refused).toBeGreaterThan(0);
      expect(stepOf(summary, 'refresh/login').requests).toBeGreaterThanOrEqual(refused);
      expect(summary.totals.failures).toBe(0);
      expect(b.checks.fails).toBe(0);
    });

    it('refreshes on a schedule before the token expires', async () => {
      const summary = await run(
        loadTest(demo.url, {
          soak: {
            executor: 'constant-vus',
            vus: 2,
            duration: '1200ms',
            lifecycle: { setup: [login('login')], refresh: { every: '100ms', steps: [login('login')] } },
            flow: [{ ...browse, think: { constant: '20ms' } }],
          },
        }),
      );
      // Two VUs, 1.2 s, a refresh due every 100 ms: about 20; a busy machine makes fewer, never none.
      expect(stepOf(summary, 'refresh/login').requests).toBeGreaterThan(4);
      expect(summary.totals.failures).toBe(0);
    });
  });

  it('examples/oauth-refresh.yaml runs against --demo-token-ttl 2s with no unexpected 401', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-oauth-'));
    const manifest = parse(
      await readFile(new URL('../../examples/oauth-refresh.yaml', import.meta.url), 'utf8'),
    );
    manifest.spec.scenarios.api.duration = '5s';
    const file = join(dir, 'oauth.json');
    await writeFile(file, JSON.stringify(manifest));
    const out = join(dir, 'report');
    const result = await runCli(
      ['run', file, '--demo-target', '--demo-token-ttl', '2s', '--workers', '1', '--out', out, '--quiet'],
      60_000,
    );
    expect(result.stderr).toMatch(/demo target started/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      totals: { failures: number };
      steps: { step: string; requests: number; failures: number }[];
    };
    // 0 failures: no 401 reached a result; the refreshes kept every VU's token alive.
    expect(summary.totals.failures).toBe(0);
    const refresh = summary.steps.find((s) => s.step === 'refresh/login');
    // 4 VUs for 5 s with a refresh every 1.5 s: at least 4 refreshes even on a slow machine.
    expect(refresh?.requests).toBeGreaterThanOrEqual(4);
    expect(summary.steps.find((s) => s.step === 'setup/login')?.requests).toBe(4);
  });
});
