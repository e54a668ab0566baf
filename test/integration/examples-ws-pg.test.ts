import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

interface StepJson {
  step: string;
  protocol: string;
  requests: number;
  failures: number;
  ws?: { sessions: number; messagesReceived: number; deliveryLatency?: { count: number } };
  pg?: { rows: number; poolWait: { count: number }; queryTime: { count: number } };
}

interface ManifestJson {
  spec: {
    scenarios: Record<string, { duration?: string; flow: { ws?: { session?: { duration: string } } }[] }>;
  };
}

/** Reads an example, shortens every scenario, writes it to a temp dir; returns its path and the out dir. */
async function shortened(example: string, edit: (manifest: ManifestJson) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-example-'));
  const manifest = parse(await readFile(new URL(`../../examples/${example}`, import.meta.url), 'utf8'));
  edit(manifest);
  const file = join(dir, example.replace('.yaml', '.json'));
  await writeFile(file, JSON.stringify(manifest));
  return { file, out: join(dir, 'report') };
}

async function summaryOf(out: string) {
  return JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
    verdict: string;
    steps: StepJson[];
    errors: { byClass: Record<string, number> };
  };
}

/** The two protocol examples as a user runs them, shortened, against real servers. */
describe('protocol examples', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.stop());

  it('examples/websocket-chat.yaml runs against the demo target and passes its thresholds', async () => {
    const { file, out } = await shortened('websocket-chat.yaml', (m) => {
      for (const scenario of Object.values(m.spec.scenarios)) {
        scenario.duration = '3s';
        for (const step of scenario.flow) if (step.ws?.session) step.ws.session.duration = '1s';
      }
    });
    const result = await runCli(['run', file, '--demo-target', '--workers', '1', '--out', out, '--quiet']);
    expect(result.stderr).toMatch(/demo target started at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ws pingers\/ping: \d+ sessions/);
    const summary = await summaryOf(out);
    expect(summary.verdict).toBe('passed');
    const byStep = Object.fromEntries(summary.steps.map((s) => [s.step, s]));
    expect(Object.keys(byStep).sort()).toEqual(['chat', 'connect-ping', 'ping', 'ticker']);
    for (const s of summary.steps) {
      expect(s.protocol).toBe('ws');
      expect(s.failures).toBe(0);
      expect(s.ws?.sessions).toBeGreaterThan(0);
    }
    // 20 connections a second for 3 s.
    expect(byStep['connect-ping']?.ws?.sessions).toBe(60);
    // The feed pushes every 100 ms with the server's timestamp.
    expect(byStep.ticker?.ws?.deliveryLatency?.count).toBe(byStep.ticker?.ws?.messagesReceived);
    expect(byStep.ticker?.ws?.messagesReceived).toBeGreaterThan(10 * 5);
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/## WebSocket/);
    expect(report).toMatch(/\| pingers\/ping \| \d+ \|/);
  });

  it('examples/postgres-mix.yaml runs against a real PostgreSQL with --env PG_URL', async () => {
    const { file, out } = await shortened('postgres-mix.yaml', (m) => {
      (m.spec.scenarios.bank as { duration: string }).duration = '2s';
    });
    const result = await runCli([
      'run',
      file,
      '--env',
      `PG_URL=${db.url}`,
      '--workers',
      '2',
      '--out',
      out,
      '--quiet',
    ]);
    expect(result.stderr).toBe(
      `running postgres-mix: 1 scenario(s) against http://127.0.0.1:8080 with 2 worker(s)\n`,
    );
    expect(result.code).toBe(0);
    const summary = await summaryOf(out);
    expect(summary.verdict).toBe('passed');
    const byStep = Object.fromEntries(summary.steps.map((s) => [s.step, s]));
    expect(Object.keys(byStep).sort()).toEqual(['read-balance', 'top-accounts', 'transfer']);
    const read = byStep['read-balance'] as StepJson;
    expect(read.failures).toBe(0);
    expect(read.pg?.rows).toBe(read.requests);
    expect(read.pg?.poolWait.count).toBe(read.requests);
    expect(byStep['top-accounts']?.pg?.rows).toBe(10 * (byStep['top-accounts']?.requests ?? 0));
    expect(byStep.transfer?.failures).toBe(0);
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/## PostgreSQL/);
    expect(report).toMatch(/Pool wait p50 \/ p95 \/ p99/);
    // Setup ran once before the load and teardown once after it, by the coordinator, not per worker.
    expect(await db.query("SELECT to_regclass('stampede_accounts') AS t")).toEqual([{ t: null }]);
  });
});
