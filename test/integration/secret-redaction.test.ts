import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { closedPort, startServer, type TestServer } from '../helpers/http-server.js';
import { pollUntil } from '../helpers/poll.js';
import { controlEnv, controlFetch } from '../helpers/runner-control.js';

/** Known secret strings, each planted where a LoadTest author would put one. */
const SECRETS = {
  userinfo: 'userinfo-secret-5a1b',
  authorization: 'authz-secret-6c2d',
  cookie: 'cookie-secret-7e3f',
  query: 'query-secret-8a4b',
  feederRow: 'feeder-row-secret-9c5d',
  env: 'env-secret-0e6f',
  pgPassword: 'pg-password-secret-1a7b',
};

function manifest(port: number) {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'secrets' },
    spec: {
      env: { TOKEN: '', PG_URL: '' },
      target: {
        baseURL: `http://probe:${SECRETS.userinfo}@127.0.0.1:${port}`,
        headers: { authorization: `Bearer ${SECRETS.authorization}`, cookie: `session=${SECRETS.cookie}` },
      },
      postgres: { url: '${env.PG_URL}', connectTimeout: '1s' },
      feeders: { users: { inline: [{ name: SECRETS.feederRow }] } },
      scenarios: {
        web: {
          executor: 'shared-iterations',
          vus: 2,
          iterations: 10,
          flow: [
            { request: { url: `/search?apikey=${SECRETS.query}` } },
            {
              name: 'profile',
              request: {
                url: '/profile',
                headers: { 'x-user': '${data.users.name}', 'x-token': '${env.TOKEN}' },
              },
              check: { status: 201 },
            },
          ],
        },
        db: {
          executor: 'shared-iterations',
          vus: 1,
          iterations: 2,
          flow: [{ name: 'q', pg: { query: 'SELECT 1' } }],
        },
      },
    },
  };
}

const pgUrl = (pgPort: number) => `postgres://app:${SECRETS.pgPassword}@127.0.0.1:${pgPort}/shop`;

function expectNoSecret(where: string, text: string) {
  for (const [name, secret] of Object.entries(SECRETS))
    expect(text.includes(secret), `${name} secret appears in ${where}`).toBe(false);
}

/** Every output of a run seeded with secrets: stdout, stderr, each report file, the runner's /metrics. */
describe('no secret in any output', () => {
  let server: TestServer;
  let seen: string[] = [];
  beforeAll(async () => {
    server = await startServer((req, res) => {
      seen.push(JSON.stringify(req.headers) + req.url);
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('stampede run: console, summary.json, report.md/html, timeseries.csv, errors.json, junit.xml', async () => {
    seen = [];
    const dir = await mkdtemp(join(tmpdir(), 'stampede-secrets-'));
    const file = join(dir, 'lt.json');
    const pgPort = await closedPort();
    await writeFile(file, JSON.stringify(manifest(server.port)));
    const out = join(dir, 'report');
    const result = await runCli([
      ...['run', file, '--workers', '1', '--out', out],
      ...['--env', `TOKEN=${SECRETS.env}`, '--env', `PG_URL=${pgUrl(pgPort)}`],
    ]);
    // The secrets did their job: they reached the target.
    expect(seen.join('\n')).toContain(SECRETS.authorization);
    expect(seen.join('\n')).toContain(SECRETS.feederRow);
    expect(seen.join('\n')).toContain(SECRETS.query);
    expect(result.stdout).toMatch(/GET \/search\?apikey=\*\*\*/);
    expect(result.stdout).toMatch(/pg_connect/);
    expectNoSecret('stdout', result.stdout);
    expectNoSecret('stderr', result.stderr);
    const files = await readdir(out);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const name of files) expectNoSecret(name, await readFile(join(out, name), 'utf8'));
    // Redacted, not dropped: the reader still sees which URL and which parameter.
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('http://***@127.0.0.1:');
  }, 60_000);

  it('stampede runner: its logs, /metrics and /snapshot', async () => {
    const port = await closedPort();
    const pgPort = await closedPort();
    const child = spawn(process.execPath, [CLI, 'runner'], {
      env: {
        ...process.env,
        ...controlEnv,
        STAMPEDE_CONTROL_PORT: String(port),
        POD_IP: '127.0.0.1',
        STAMPEDE_LINGER_SECONDS: '20',
        STAMPEDE_LOADTEST: JSON.stringify(manifest(server.port)),
        TOKEN: SECRETS.env,
        PG_URL: pgUrl(pgPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (c: Buffer) => {
      logs += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      logs += c.toString();
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    await pollUntil('the runner to be ready', 10_000, async () =>
      (await fetch(`${base}/readyz`)).ok ? true : undefined,
    );
    await controlFetch(`${base}/start`, { method: 'POST', body: JSON.stringify({ startAt: Date.now() }) });
    const snapshot = await pollUntil('the runner to finish', 20_000, async () => {
      const text = await (await controlFetch(`${base}/snapshot`)).text();
      return text.includes('"state":"done"') ? text : undefined;
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/step="GET \/search\?apikey=\*\*\*"/);
    expectNoSecret('/metrics', metrics);
    expectNoSecret('/snapshot', snapshot);
    await controlFetch(`${base}/release`, { method: 'POST' });
    await exited;
    expectNoSecret('runner logs', logs);
  }, 60_000);
});
