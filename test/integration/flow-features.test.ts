import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** One server that checks what a declarative flow sends: tokens, cookies, templates, feeder rows. */
describe('declarative HTTP flows', () => {
  let server: TestServer;
  const seen: { path: string; auth?: string; cookie?: string; body: string; query: string }[] = [];
  beforeAll(async () => {
    server = await startServer((req, res, body) => {
      const [path = '', query = ''] = (req.url ?? '').split('?');
      seen.push({ path, auth: req.headers.authorization, cookie: req.headers.cookie, body, query });
      if (path === '/login') {
        const { user } = JSON.parse(body) as { user: string };
        return json(
          res,
          200,
          { token: `tok-${user}` },
          { 'set-cookie': `sid=${user}; Path=/`, 'x-request-id': 'rid-1' },
        );
      }
      if (path === '/page') return res.end('<html>csrf=abc123</html>');
      if (path === '/fail') return json(res, 503, { error: 'busy' });
      return json(res, 200, { ok: true, echo: body ? JSON.parse(body) : null });
    });
  });
  afterAll(() => server.close());

  it('extracts, templates, keeps cookies, reads feeders and runs checks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-feeder-'));
    await writeFile(join(dir, 'users.csv'), 'name,plan\nada,pro\nbob,free\n');
    const lt = loadTest(
      server.url,
      {
        flow: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 2,
          flow: [
            {
              name: 'login',
              request: { method: 'POST', url: '/login', json: { user: '${data.users.name}' } },
              extract: {
                token: { json: '$.token' },
                rid: { header: 'X-Request-Id' },
              },
              check: { status: 200, json: [{ path: '$.token', exists: true }] },
            },
            {
              group: 'browse',
              repeat: 2,
              steps: [
                {
                  name: 'page',
                  request: { url: '/page', query: { vu: '${vu}', it: '${iteration}' } },
                  extract: { csrf: { regex: 'csrf=([a-z0-9]+)' } },
                  check: { bodyContains: 'csrf=' },
                },
              ],
            },
            {
              name: 'buy',
              request: {
                method: 'POST',
                url: '/buy',
                headers: { authorization: 'Bearer ${vars.token}', 'x-csrf': '${vars.csrf}' },
                json: { csrf: '${vars.csrf}', rid: '${vars.rid}', plan: '${data.users.plan}', qty: '${vu}' },
              },
              check: { json: [{ path: '$.echo.csrf', equals: 'abc123' }], maxDuration: '5s' },
            },
          ],
        },
      },
      { feeders: { users: { csv: 'users.csv' } } },
    );
    const summary = await run(lt, 1, dir);
    expect(summary.totals.failures).toBe(0);
    expect(summary.totals.checks).toEqual({ passes: 4 * 2 + 8 + 4 * 2, fails: 0, passRate: 1 });
    expect(stepOf(summary, 'login').requests).toBe(4);
    // Group names prefix their steps; repeat runs the block twice per iteration.
    expect(stepOf(summary, 'browse/page').requests).toBe(8);

    const buys = seen.filter((s) => s.path === '/buy');
    expect(buys).toHaveLength(4);
    for (const b of buys) {
      const body = JSON.parse(b.body) as Record<string, unknown>;
      expect(b.auth).toMatch(/^Bearer tok-(ada|bob)$/);
      // The cookie set by this VU's login comes back on later requests of the same VU.
      expect(b.cookie).toBe(`sid=${(b.auth as string).slice('Bearer tok-'.length)}`);
      expect(body).toMatchObject({ csrf: 'abc123', rid: 'rid-1' });
      // A template that is one expression keeps its type.
      expect(typeof body.qty).toBe('number');
    }
    // Sequential feeder rows: the four logins cycle through the CSV.
    const users = seen
      .filter((s) => s.path === '/login')
      .map((s) => (JSON.parse(s.body) as { user: string }).user);
    expect(users.sort()).toEqual(['ada', 'ada', 'bob', 'bob']);
    expect(seen.filter((s) => s.path === '/page').every((s) => /^vu=\d+&it=\d+$/.test(s.query))).toBe(true);
  });

  it('weighted choice follows its weights', async () => {
    const before = seen.length;
    const summary = await run(
      loadTest(server.url, {
        pick: {
          executor: 'shared-iterations',
          vus: 4,
          iterations: 2000,
          flow: [
            {
              choice: [
                { weight: 3, steps: [{ name: 'x', request: { url: '/x' } }] },
                { weight: 1, steps: [{ name: 'y', request: { url: '/y' } }] },
              ],
            },
          ],
        },
      }),
    );
    const x = stepOf(summary, 'x').requests;
    const y = stepOf(summary, 'y').requests;
    expect(x + y).toBe(2000);
    expect(seen.length - before).toBe(2000);
    // 3:1 split: 1500 expected, binomial sd ~19; 6 sd of slack keeps this deterministic in practice.
    expect(Math.abs(x - 1500)).toBeLessThan(120);
  });

  it('counts HTTP errors and failed checks by class without stopping the flow', async () => {
    const summary = await run(
      loadTest(server.url, {
        bad: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 3,
          flow: [
            { name: 'fail', request: { url: '/fail' } },
            { name: 'wrong', request: { url: '/ok' }, check: { status: 201 } },
            { name: 'after', request: { url: '/ok' } },
          ],
        },
      }),
    );
    expect(stepOf(summary, 'fail').errors).toEqual({ http_5xx: 3 });
    expect(stepOf(summary, 'wrong').errors).toEqual({ check: 3 });
    expect(stepOf(summary, 'after').requests).toBe(3);
    expect(summary.errors.samples.map((s) => s.message).sort()).toEqual([
      'HTTP 200, expected status in [201]',
      'HTTP 503',
    ]);
  });
});
