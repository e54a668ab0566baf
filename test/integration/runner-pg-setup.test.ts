/**
 * A runner that owns spec.postgres.setup (shard 0) runs it before it reports ready: /snapshot says
 * `preparing` and /start is refused until the tables exist; a failing setup is state `failed` with the
 * database's error, and the runner exits 4 when stopped. After the load, the runner is done only once its
 * teardown has run, and a failed teardown is told with the results. The real runner process, real PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerState } from '../../src/runner/protocol.js';
import { CLI } from '../helpers/cli.js';
import { closedPort } from '../helpers/http-server.js';
import { pollUntil } from '../helpers/poll.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

const loadTest = (url: string, setup: string[], teardown?: string[]) => ({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'runner-pg-setup' },
  spec: {
    target: { baseURL: 'http://127.0.0.1:1' },
    postgres: { url, setup, ...(teardown ? { teardown } : {}) },
    scenarios: {
      s: {
        executor: 'shared-iterations',
        vus: 2,
        iterations: 10,
        flow: [{ name: 'read', pg: { query: 'SELECT count(*) FROM runner_setup' } }],
      },
    },
  },
});

async function startRunner(manifest: unknown) {
  const port = await closedPort();
  const child = spawn(process.execPath, [CLI, 'runner'], {
    env: {
      ...controlEnv,
      ...process.env,
      JOB_COMPLETION_INDEX: '0',
      STAMPEDE_SHARDS: '2',
      STAMPEDE_CONTROL_PORT: String(port),
      POD_IP: '127.0.0.1',
      STAMPEDE_LOADTEST: JSON.stringify(manifest),
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const state = async () => (await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState;
  await pollUntil('the runner to serve /snapshot', 10_000, async () => state().catch(() => undefined));
  return { child, exited, base, state };
}

describe('runner: PostgreSQL setup before ready', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  it('is preparing (not ready, start refused) until the setup is done, then waiting', async () => {
    const runner = await startRunner(
      loadTest(pg.url, [
        'DROP TABLE IF EXISTS runner_setup',
        'SELECT pg_sleep(2)',
        'CREATE TABLE runner_setup (id int)',
      ]),
    );
    try {
      expect((await runner.state()).state).toBe('preparing');
      expect((await controlFetch(`${runner.base}/readyz`)).status).toBe(503);
      const early = await controlFetch(`${runner.base}/start`, {
        method: 'POST',
        body: JSON.stringify({ startAt: Date.now() }),
      });
      expect(early.status).toBe(409);
      await pollUntil('the runner to be ready', 15_000, async () =>
        (await controlFetch(`${runner.base}/readyz`)).ok ? true : undefined,
      );
      expect((await runner.state()).state).toBe('waiting');
      // Ready means the table exists.
      expect(await pg.query('SELECT count(*)::int AS n FROM runner_setup')).toEqual([{ n: 0 }]);
    } finally {
      await controlFetch(`${runner.base}/stop`, { method: 'POST' }).catch(() => undefined);
      expect(await runner.exited).toBe(0);
    }
  }, 30_000);

  it('reports a failed setup with the database error, refuses to start, exits 4 when stopped', async () => {
    const runner = await startRunner(loadTest(pg.url, ['SELECT * FROM no_such_table']));
    const failed = await pollUntil('the setup to fail', 15_000, async () => {
      const s = await runner.state();
      return s.state === 'failed' ? s : undefined;
    });
    expect(failed.error).toMatch(/spec\.postgres\.setup failed: .*no_such_table/);
    const start = await controlFetch(`${runner.base}/start`, {
      method: 'POST',
      body: JSON.stringify({ startAt: Date.now() }),
    });
    expect(start.status).toBe(409);
    await controlFetch(`${runner.base}/stop`, { method: 'POST' });
    expect(await runner.exited).toBe(4);
  }, 30_000);

  it('stays running through its teardown, then is done with the teardown error beside the results', async () => {
    const runner = await startRunner(
      loadTest(
        pg.url,
        ['DROP TABLE IF EXISTS runner_setup', 'CREATE TABLE runner_setup (id int)'],
        ['SELECT pg_sleep(2)', 'DROP TABLE no_such_table_td'],
      ),
    );
    try {
      await pollUntil('the runner to be ready', 15_000, async () =>
        (await controlFetch(`${runner.base}/readyz`)).ok ? true : undefined,
      );
      const started = await controlFetch(`${runner.base}/start`, {
        method: 'POST',
        body: JSON.stringify({ startAt: Date.now() + 200 }),
      });
      expect(started.status).toBe(202);
      // This shard's 5 of the 10 iterations end in well under the teardown's 2 s sleep: load is over, the runner is not done.
      const tearingDown = await pollUntil('the load to end', 15_000, async () => {
        const s = await runner.state();
        return s.snapshot.done ? s : undefined;
      });
      expect(tearingDown.state).toBe('running');
      expect(tearingDown.teardownError).toBeUndefined();
      const done = await pollUntil('the teardown to end', 15_000, async () => {
        const s = await runner.state();
        return s.state === 'done' ? s : undefined;
      });
      expect(done.teardownError).toMatch(/spec\.postgres\.teardown failed: .*no_such_table_td/);
      expect(done.snapshot.steps.find((st) => st.step === 'read')?.requests).toBe(5);
    } finally {
      await controlFetch(`${runner.base}/release`, { method: 'POST' }).catch(() => undefined);
      expect(await runner.exited).toBe(0);
    }
  }, 40_000);
});
