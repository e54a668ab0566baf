import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

interface Seen {
  path: string;
  authorization: string | undefined;
  iteration: string | undefined;
  id: string | undefined;
  cookie: string | undefined;
}

/**
 * A VU resends its last request on a step while what the templates read and its cookies stay the same
 * (http-request.ts): every request must still carry the values current when it is sent.
 */
describe('a VU resends its request only while nothing it was built from changed', () => {
  let server: TestServer;
  /** Per VU (its x-vu header): what it sent, in order, and the tokens and cookie it was given. */
  const sent = new Map<string, Seen[]>();
  const tokens = new Map<string, string[]>();
  const cookies = new Map<string, string>();
  let issued = 0;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const vu = String(req.headers['x-vu']);
      issued++;
      if (req.url === '/login') {
        tokens.set(vu, [...(tokens.get(vu) ?? []), `tok-${issued}`]);
        return json(res, 200, { token: `tok-${issued}` });
      }
      if (req.url === '/cookie') {
        cookies.set(vu, `c=${issued}`);
        res.setHeader('set-cookie', `c=${issued}; Path=/`);
        return json(res, 200, {});
      }
      const h = req.headers;
      const seen = {
        path: req.url ?? '',
        authorization: h.authorization,
        iteration: h['x-iteration'] as string | undefined,
        id: h['x-id'] as string | undefined,
        cookie: h.cookie,
      };
      sent.set(vu, [...(sent.get(vu) ?? []), seen]);
      return json(res, 200, {});
    });
  });
  afterAll(() => server.close());

  it('sends the token, cookie and iteration current at each request, and a fresh uuid() every time', async () => {
    const iterations = 4;
    const vu = { 'x-vu': '${vu}' };
    const summary = await run(
      loadTest(server.url, {
        s: {
          executor: 'per-vu-iterations',
          vus: 3,
          iterations,
          flow: [
            // A new token every iteration; a cookie only from the third iteration on (tokens and cookies
            // change apart, so either alone must reach the next request).
            {
              name: 'login',
              request: { method: 'POST', url: '/login', headers: vu },
              extract: { token: { json: '$.token' } },
            },
            { name: 'cookie', if: '${iteration == 2}', request: { url: '/cookie', headers: vu } },
            {
              repeat: 3,
              steps: [
                {
                  name: 'bearer',
                  request: {
                    url: '/data',
                    headers: { ...vu, authorization: 'Bearer ${vars.token}', 'x-iteration': '${iteration}' },
                  },
                  check: { status: 200 },
                },
                { name: 'path', request: { url: '/items/${vars.token}', headers: vu } },
                { name: 'uuid', request: { url: '/fresh', headers: { ...vu, 'x-id': '${uuid()}' } } },
                // Reads only what never changes: resent as it is until the cookie arrives.
                { name: 'stable', request: { url: '/stable', headers: vu } },
              ],
            },
          ],
        },
      }),
    );
    expect(summary.totals.failures).toBe(0);
    expect(stepOf(summary, 'bearer').requests).toBe(3 * iterations * 3);
    expect([...sent.keys()]).toHaveLength(3);
    for (const [id, requests] of sent) {
      const given = tokens.get(id) as string[];
      expect(given).toHaveLength(iterations);
      expect(requests).toHaveLength(iterations * 12);
      requests.forEach((r, i) => {
        // Twelve requests per iteration, each after that iteration's login.
        const k = Math.floor(i / 12);
        const token = given[k];
        expect(r.cookie).toBe(k >= 2 ? cookies.get(id) : undefined);
        if (r.path === '/data') {
          expect(r.authorization).toBe(`Bearer ${token}`);
          expect(r.iteration).toBe(String(k));
        } else if (r.path.startsWith('/items/')) expect(r.path).toBe(`/items/${token}`);
      });
    }
    const ids = [...sent.values()].flat().flatMap((s) => (s.path === '/fresh' ? [s.id] : []));
    expect(ids).toHaveLength(3 * iterations * 3);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
