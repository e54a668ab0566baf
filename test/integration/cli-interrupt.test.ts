import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliWith } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

function longRun(baseURL: string, url = '/'): string {
  return `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: long }
spec:
  target: { baseURL: "${baseURL}" }
  scenarios:
    s:
      executor: constant-vus
      vus: 2
      duration: 60s
      flow:
        - { name: tick, request: { url: ${url} }, think: { constant: 20ms } }
`;
}

/** Resolves true when something accepts a TCP connection on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('a signal during a run', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: stops gracefully, exits ${code} and still writes every report file`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'stampede-int-'));
      const file = join(dir, 'long.yaml');
      await writeFile(file, longRun(server.url));
      const out = join(dir, 'report');
      const before = server.requests;
      const started = Date.now();
      // Progress lines arrive every 5 s without a terminal; interrupt after the first one.
      const result = await runCliWith(['run', file, '--out', out, '--workers', '2'], /\d+s\/65s/, (child) =>
        child.kill(signal),
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.code).toBe(code);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
      expect(summary.outcome).toBe('interrupted');
      expect(summary.totals.requests).toBeGreaterThan(100);
      // Nothing the server answered is missing from the report.
      expect(summary.totals.requests).toBe(server.requests - before);
      for (const name of ['report.md', 'report.html', 'timeseries.csv', 'errors.json', 'junit.xml'])
        expect((await readFile(join(out, name), 'utf8')).length).toBeGreaterThan(0);
    });
  }

  it('SIGTERM with --demo-target: the report holds the demo run and the demo target child is reaped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-int-'));
    const file = join(dir, 'demo.yaml');
    await writeFile(file, longRun('http://127.0.0.1:1', '/api/data'));
    const out = join(dir, 'report');
    const result = await runCliWith(
      ['run', file, '--out', out, '--workers', '1', '--demo-target'],
      /\d+s\/65s/,
      (child) => child.kill('SIGTERM'),
    );
    expect(result.code).toBe(143);
    const port = Number(/demo target started at http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stderr)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(await listening(port)).toBe(false);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('interrupted');
    expect(summary.totals.requests).toBeGreaterThan(10);
  });

  it('SIGKILL with --demo-target: the orphaned demo target notices its parent is gone and exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-int-'));
    const file = join(dir, 'demo.yaml');
    await writeFile(file, longRun('http://127.0.0.1:1', '/api/data'));
    const result = await runCliWith(['run', file, '--workers', '1', '--demo-target'], /\d+s\/65s/, (child) =>
      child.kill('SIGKILL'),
    );
    expect(result.code).toBeNull();
    const port = Number(/demo target started at http:\/\/127\.0\.0\.1:(\d+)/.exec(result.stderr)?.[1]);
    expect(port).toBeGreaterThan(0);
    // The child sees its stdin close; give it a moment to close its listener.
    const deadline = Date.now() + 5_000;
    while ((await listening(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await listening(port)).toBe(false);
  });
});
