import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliWith } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

describe('Ctrl-C during a run', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('stops gracefully, exits 130 and still writes the report with everything measured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-int-'));
    const file = join(dir, 'long.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: long }
spec:
  target: { baseURL: "${server.url}" }
  scenarios:
    s:
      executor: constant-vus
      vus: 2
      duration: 60s
      flow:
        - { name: tick, request: { url: / }, think: { constant: 20ms } }
`,
    );
    const out = join(dir, 'report');
    const before = server.requests;
    const started = Date.now();
    // Progress lines arrive every 5 s without a terminal; interrupt after the first one.
    const result = await runCliWith(['run', file, '--out', out, '--workers', '2'], /\d+s\/65s/, (child) =>
      child.kill('SIGINT'),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(130);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('interrupted');
    expect(summary.totals.requests).toBeGreaterThan(100);
    // Nothing the server answered is missing from the report.
    expect(summary.totals.requests).toBe(server.requests - before);
  });
});
