import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgUrlEnvName } from '../../src/api/pg-url.js';
import { ShardRunner } from '../../src/engine/shard-runner.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const ACCOUNTS = 100;
const START_BALANCE = 1000;

/** PostgreSQL steps against a real server: queries, a weighted read/write mix, transactions, the pool. */
describe('PostgreSQL steps', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.stop());

  it('runs setup, a 9:1 read/write mix with transactions, and teardown; money is conserved', async () => {
    const summary = await run(
      loadTest(
        'http://127.0.0.1:9',
        {
          mix: {
            executor: 'shared-iterations',
            vus: 8,
            iterations: 400,
            flow: [
              {
                choice: [
                  {
                    weight: 9,
                    steps: [
                      {
                        name: 'read-account',
                        pg: {
                          query: 'SELECT id, balance FROM accounts WHERE id = $1',
                          params: [`\${randomInt(1, ${ACCOUNTS})}`],
                        },
                      },
                    ],
                  },
                  {
                    weight: 1,
                    steps: [
                      {
                        set: {
                          from: `\${randomInt(1, ${ACCOUNTS})}`,
                          to: `\${randomInt(1, ${ACCOUNTS})}`,
                          amount: '${randomInt(1, 10)}',
                        },
                      },
                      {
                        name: 'transfer',
                        pg: {
                          transaction: [
                            {
                              // Both rows locked in id order first, so concurrent transfers cannot deadlock.
                              query: 'SELECT id FROM accounts WHERE id IN ($1, $2) ORDER BY id FOR UPDATE',
                              params: ['${vars.from}', '${vars.to}'],
                            },
                            {
                              query: 'UPDATE accounts SET balance = balance - $2 WHERE id = $1',
                              params: ['${vars.from}', '${vars.amount}'],
                            },
                            {
                              query: 'UPDATE accounts SET balance = balance + $2 WHERE id = $1',
                              params: ['${vars.to}', '${vars.amount}'],
                            },
                          ],
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
        {
          postgres: {
            url: db.url,
            pool: 4,
            setup: [
              'DROP TABLE IF EXISTS accounts, teardown_marker',
              `CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)`,
              `INSERT INTO accounts SELECT g, ${START_BALANCE} FROM generate_series(1, ${ACCOUNTS}) g`,
            ],
            teardown: [
              `CREATE TABLE teardown_marker AS SELECT count(*) AS n, sum(balance) AS total,
                 count(*) FILTER (WHERE balance <> ${START_BALANCE}) AS changed FROM accounts`,
              'DROP TABLE accounts',
            ],
          },
        },
      ),
    );
    const read = stepOf(summary, 'read-account');
    const transfer = stepOf(summary, 'transfer');
    expect(read.protocol).toBe('pg');
    expect(read.failures + transfer.failures).toBe(0);
    expect(read.requests + transfer.requests).toBe(400);
    // 9:1 of 400: 360 expected, binomial sd 6; 7 sd of slack.
    expect(Math.abs(read.requests - 360)).toBeLessThan(42);
    expect(read.pg?.rows).toBe(read.requests);
    // The locking SELECT returns one row per distinct account; the UPDATEs return none.
    expect(transfer.pg?.rows).toBeGreaterThanOrEqual(transfer.requests);
    expect(transfer.pg?.rows).toBeLessThanOrEqual(2 * transfer.requests);
    for (const s of [read, transfer]) {
      expect(s.pg?.poolWait.count).toBe(s.requests);
      expect(s.pg?.queryTime.count).toBe(s.requests);
      expect(s.latency.count).toBe(s.requests);
    }
    // Teardown ran after the load and recorded the balances: money moved, and every debit had its credit.
    const [marker] = await db.query<{ n: string; total: string; changed: string }>(
      'SELECT n, total, changed FROM teardown_marker',
    );
    expect(marker).toEqual({
      n: String(ACCOUNTS),
      total: String(ACCOUNTS * START_BALANCE),
      changed: expect.any(String),
    });
    expect(Number(marker?.changed)).toBeGreaterThan(0);
    expect(await db.query("SELECT to_regclass('accounts') AS t")).toEqual([{ t: null }]);
  });

  it('keeps pool wait apart from query time: 10 VUs on 2 connections wait, the query does not grow', async () => {
    const summary = await run(
      loadTest(
        'http://127.0.0.1:9',
        {
          s: {
            executor: 'per-vu-iterations',
            vus: 10,
            iterations: 5,
            flow: [{ name: 'sleepy', pg: { query: 'SELECT pg_sleep(0.02)' } }],
          },
        },
        { postgres: { url: db.url, pool: 2 } },
      ),
    );
    const step = stepOf(summary, 'sleepy');
    expect(step.failures).toBe(0);
    const pg = step.pg as NonNullable<typeof step.pg>;
    // Each query holds a connection about 20 ms; with 5 VUs per connection the rest queue for it.
    expect(pg.queryTime.p50Ms).toBeGreaterThanOrEqual(19);
    expect(pg.queryTime.p50Ms).toBeLessThan(60);
    expect(pg.poolWait.p50Ms).toBeGreaterThan(pg.queryTime.p50Ms);
    // The step latency is what the VU waited: pool wait plus query.
    expect(step.latency.p50Ms).toBeGreaterThan(pg.poolWait.p50Ms);
    const connections = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'",
    );
    expect(Number(connections[0]?.n)).toBe(1); // our pools were closed at the end; only this query's
  });

  it('in a cluster only shard 0 runs setup (before the start instant) and teardown', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS script_log (what text, at timestamptz DEFAULT now())');
    const lt = loadTest(
      'http://127.0.0.1:9',
      {
        s: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 5,
          flow: [{ name: 'log', pg: { query: "INSERT INTO script_log (what) VALUES ('load')" } }],
        },
      },
      {
        postgres: {
          url: db.url,
          setup: ["INSERT INTO script_log (what) VALUES ('setup')"],
          teardown: ["INSERT INTO script_log (what) VALUES ('teardown')"],
        },
      },
    );
    // Two runners as in two pods: no postgresSetup option, so the shard index decides.
    const runners = [0, 1].map(
      (index) =>
        new ShardRunner({ loadTest: lt, shard: { index, total: 2 }, baseDir: '.', env: {}, threads: 1 }),
    );
    await Promise.all(runners.map((r) => r.prepare()));
    const startAt = Date.now() + 100;
    const snapshots = await Promise.all(runners.map((r) => r.run(startAt)));
    expect(snapshots.map((s) => s.steps[0]?.requests)).toEqual([5, 5]);
    const rows = await db.query<{ what: string; n: string; first: Date }>(
      'SELECT what, count(*) AS n, min(at) AS first FROM script_log GROUP BY what ORDER BY first',
    );
    // Setup once, before any load; teardown once (after shard 0's load: not a barrier across shards).
    expect(rows.map((r) => [r.what, r.n])).toEqual([
      ['setup', '1'],
      ['load', '10'],
      ['teardown', '1'],
    ]);
  });

  it('binds typed parameters from templates and reads the URL from urlFrom via STAMPEDE_PG_URL_<NAME>', async () => {
    const ref = { secretKeyRef: { name: 'orders-db', key: 'url' } };
    const variable = pgUrlEnvName(ref);
    expect(variable).toBe('STAMPEDE_PG_URL_ORDERS_DB');
    process.env[variable] = db.url;
    try {
      const summary = await run(
        loadTest(
          'http://127.0.0.1:9',
          {
            s: {
              executor: 'per-vu-iterations',
              vus: 2,
              iterations: 3,
              flow: [
                { set: { user: 'user-${vu}' } },
                {
                  name: 'typed',
                  pg: {
                    query:
                      "SELECT $1::int + 1 AS next, $2::text AS name FROM generate_series(1, $1::int) WHERE $2 LIKE 'user-%'",
                    params: ['${vu}', '${vars.user}'],
                  },
                },
              ],
            },
          },
          { postgres: { urlFrom: ref } },
        ),
      );
      const step = stepOf(summary, 'typed');
      expect(step.failures).toBe(0);
      expect(step.requests).toBe(6);
      // generate_series(1, vu): VU 1 gets 1 row, VU 2 gets 2, three iterations each.
      expect(step.pg?.rows).toBe(3 * 1 + 3 * 2);
    } finally {
      delete process.env[variable];
    }
  });
});
