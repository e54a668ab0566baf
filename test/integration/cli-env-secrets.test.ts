import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';

const TOKEN = 'tok-5f1e2d9c-secret';

/** A spec.env value kept in a Secret: locally read from the environment, sent, and redacted in every output. */
describe('credentials from spec.env valueFrom.secretKeyRef, run locally', () => {
  let server: TestServer;
  const auth: string[] = [];
  let dir: string;
  let file: string;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      auth.push(req.headers.authorization ?? '');
      return json(res, req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, {});
    });
    dir = await mkdtemp(join(tmpdir(), 'stampede-secrets-'));
    file = join(dir, 'secret.yaml');
    const port = server.port;
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: secrets }
spec:
  target:
    baseURL: "http://probe:\${env.API_TOKEN}@127.0.0.1:${port}"
    headers: { authorization: "Bearer \${env.API_TOKEN}" }
  env:
    API_TOKEN: { valueFrom: { secretKeyRef: { name: api, key: token } } }
  scenarios:
    s:
      executor: per-vu-iterations
      vus: 1
      iterations: 3
      flow: [{ name: call, request: { url: /call }, check: { status: 200 } }]
`,
    );
  });
  afterAll(() => server.close());

  it('exits 2 with the field path when the variable is not set', async () => {
    const result = await runCli(['run', file, '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /spec\.target\.baseURL: \$\{env\.API_TOKEN\} has no value here: it comes from a Secret; set API_TOKEN/,
    );
    // Without the base URL's use, the entry itself is named.
    const headerOnly = join(dir, 'header-only.yaml');
    await writeFile(headerOnly, (await readFile(file, 'utf8')).replace('probe:${env.API_TOKEN}@', ''));
    const second = await runCli(['run', headerOnly, '--quiet']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /spec\.env\.API_TOKEN: comes from Secret api \(key token\) in a cluster; locally set API_TOKEN/,
    );
    expect(auth).toHaveLength(0);
  });

  it('sends the value from the environment and keeps it out of every output', async () => {
    const out = join(dir, 'report');
    process.env.API_TOKEN = TOKEN;
    let result: Awaited<ReturnType<typeof runCli>>;
    try {
      // --env also feeds the base URL, so the secret reaches the summary's target and the console line.
      result = await runCli([
        'run',
        file,
        '--quiet',
        '--workers',
        '1',
        '--out',
        out,
        '--env',
        `API_TOKEN=${TOKEN}`,
      ]);
    } finally {
      delete process.env.API_TOKEN;
    }
    expect(result.code).toBe(0);
    expect(auth).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    // The base URL's whole userinfo is hidden (the general URL redaction), not only the Secret's value.
    expect(result.stderr).toMatch(/against http:\/\/\*\*\*@127\.0\.0\.1/);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    const files = await readdir(out);
    expect(files).toContain('summary.json');
    for (const name of files) expect(await readFile(join(out, name), 'utf8')).not.toContain(TOKEN);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { target: string };
    expect(summary.target).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:/);
  });
});
