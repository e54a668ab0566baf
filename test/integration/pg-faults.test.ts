import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const NOWHERE = 'http://127.0.0.1:9';

/** PostgreSQL failures: classed by SQLSTATE per query while the run goes on; a dead database is pg_connect. */
describe('PostgreSQL faults', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
    await db.query('CREATE TABLE items (id int PRIMARY KEY)');
  });
  afterAll(() => db?.stop());

  it('reports invalid SQL per query with its SQLSTATE and keeps running', async () => {
    const summary = await run(
      loadTest(
        NOWHERE,
        {
          s: {
            executor: 'per-vu-iterations',
            vus: 2,
            iterations: 3,
            flow: [
              { name: 'typo', pg: { query: 'SELEC 1' } },
              { name: 'no-table', pg: { query: 'SELECT * FROM nope WHERE id = $1', params: ['${vu}'] } },
              { name: 'duplicate', pg: { query: 'INSERT INTO items VALUES (1)' } },
              { name: 'fine', pg: { query: 'SELECT 1' } },
            ],
          },
        },
        { postgres: { url: db.url } },
      ),
    );
    expect(stepOf(summary, 'typo').errors).toEqual({ pg_42: 6 });
    expect(stepOf(summary, 'no-table').errors).toEqual({ pg_42: 6 });
    // The first INSERT wins; the other five break the primary key.
    expect(stepOf(summary, 'duplicate')).toMatchObject({ requests: 6, failures: 5, errors: { pg_23: 5 } });
    expect(stepOf(summary, 'fine')).toMatchObject({ requests: 6, failures: 0 });
    expect(summary.errors.byClass).toMatchObject({ pg_42: 12, pg_23: 5 });
    const messages = Object.fromEntries(summary.errors.samples.map((e) => [e.step, e.message]));
    expect(messages).toEqual({
      typo: '42601 syntax error at or near "SELEC"',
      'no-table': '42P01 relation "nope" does not exist',
      duplicate: '23505 duplicate key value violates unique constraint "items_pkey"',
    });
    expect(summary.outcome).toBe('completed');
  });

  it('rolls a transaction back at the first failing statement and names it', async () => {
    await db.query('TRUNCATE items');
    const summary = await run(
      loadTest(
        NOWHERE,
        {
          s: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 2,
            flow: [
              {
                name: 'half',
                pg: {
                  transaction: [
                    { query: 'INSERT INTO items VALUES ($1)', params: ['${iteration}'] },
                    { query: 'INSERT INTO items VALUES (100)' },
                    { query: 'INSERT INTO items VALUES (100)' },
                  ],
                },
              },
            ],
          },
        },
        { postgres: { url: db.url } },
      ),
    );
    expect(stepOf(summary, 'half').errors).toEqual({ pg_23: 2 });
    expect(summary.errors.samples[0]?.message).toBe(
      'statement 3: 23505 duplicate key value violates unique constraint "items_pkey"',
    );
    // Nothing of either transaction stayed.
    expect(await db.query('SELECT id FROM items')).toEqual([]);
  });

  it('a database that is down gives pg_connect errors that say where, and ends each iteration', async () => {
    const port = await closedPort();
    const summary = await run(
      loadTest(NOWHERE, {
        s: {
          executor: 'per-vu-iterations',
          vus: 2,
          iterations: 2,
          flow: [
            { name: 'down', pg: { query: 'SELECT 1', url: `postgres://app:secret@127.0.0.1:${port}/shop` } },
            { name: 'never', pg: { query: 'SELECT 1', url: db.url } },
          ],
        },
      }),
    );
    expect(stepOf(summary, 'down').errors).toEqual({ pg_connect: 4 });
    expect(summary.steps.find((s) => s.step === 'never')).toBeUndefined();
    const message = summary.errors.samples[0]?.message ?? '';
    expect(message).toBe(
      `connection to postgres://app:***@127.0.0.1:${port}/shop failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('a setup that cannot reach its database stops the run before any load', async () => {
    const port = await closedPort();
    const summary = await run(
      loadTest(
        NOWHERE,
        {
          s: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 1,
            flow: [{ name: 'q', pg: { query: 'SELECT 1' } }],
          },
        },
        { postgres: { url: `postgres://app@127.0.0.1:${port}/shop`, setup: ['SELECT 1'] } },
      ),
    );
    expect(summary.outcome).toBe('failed');
    expect(summary.outcomeDetail).toBe(
      `nothing was sent: spec.postgres.setup failed: connection to postgres://app@127.0.0.1:${port}/shop failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(summary.totals.requests).toBe(0);
  });

  it('a database that goes down mid-run turns into pg_connect errors; the run completes', async () => {
    const victim = await startPostgres();
    try {
      // Down after 1.5 s of a 3 s run: the load thread (a worker thread) may take a while to start on a busy
      // machine, and the database must have served some queries first.
      setTimeout(() => victim.stopServer(), 1500);
      const summary = await run(
        loadTest(
          NOWHERE,
          {
            s: {
              executor: 'constant-vus',
              vus: 4,
              duration: '3s',
              flow: [{ name: 'q', pg: { query: 'SELECT 1' }, think: { constant: '10ms' } }],
            },
          },
          { postgres: { url: victim.url, connectTimeout: '1s' } },
        ),
      );
      const step = stepOf(summary, 'q');
      expect(summary.outcome).toBe('completed');
      expect(step.requests - step.failures).toBeGreaterThan(50);
      expect(step.errors.pg_connect ?? 0).toBeGreaterThan(0);
      expect(Object.keys(step.errors).every((c) => c === 'pg_connect')).toBe(true);
    } finally {
      victim.stop();
    }
  });
});
