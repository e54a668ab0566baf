import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** Check values are templates rendered per request: a feeder row's id is compared with the item served. */
describe('templates in checks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const id = Number((req.url ?? '').split('/').pop());
      // Item 3 is served under the wrong id, so exactly its checks fail.
      return json(res, 200, {
        item: { id: id === 3 ? 99 : id, name: `item-${id}`, tags: ['a', String(id)] },
      });
    });
  });
  afterAll(() => server.close());

  it('compares against the current feeder row, CSV text against JSON numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-check-tpl-'));
    await writeFile(join(dir, 'items.csv'), 'id\n1\n2\n3\n4\n');
    const summary = await run(
      loadTest(
        server.url,
        {
          items: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 40,
            flow: [
              {
                name: 'item',
                request: { url: '/items/${data.items.id}' },
                check: {
                  status: 200,
                  bodyContains: '"name":"item-${data.items.id}"',
                  json: [
                    { path: '$.item.id', equals: '${data.items.id}' },
                    { path: '$.item.tags', equals: ['a', '${data.items.id}'] },
                  ],
                },
              },
            ],
          },
        },
        { feeders: { items: { csv: 'items.csv' } } },
      ),
      1,
      dir,
    );
    const step = stepOf(summary, 'item');
    expect(step.requests).toBe(40);
    // Rows cycle 1..4: the ten requests for item 3 fail their id check, every other check passes.
    expect(step.errors).toEqual({ check: 10 });
    expect(summary.totals.checks).toMatchObject({ passes: 40 * 4 - 10, fails: 10 });
  });

  it('refuses a check template that reads an undeclared name, with its field path', () => {
    const result = validateLoadTest({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 't' },
      spec: {
        target: { baseURL: server.url },
        scenarios: {
          s: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 1,
            flow: [
              {
                request: { url: '/x' },
                check: { bodyContains: '${vars.nope}', json: [{ path: '$.id', equals: '${data.rows.id}' }] },
              },
            ],
          },
        },
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'spec.scenarios.s.flow[0].check.bodyContains',
      'spec.scenarios.s.flow[0].check.json[0].equals',
    ]);
    expect(result.problems[1]?.message).toMatch(/declare feeder "rows"/);
  });
});
