import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliWith } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

/**
 * Waits longer than Node's largest timer (2^31-1 ms): a plan of hundreds of hours, a think of 500h and a
 * scenario that starts after 500h. Before, each fired after 1 ms: shards were killed at once (0 requests,
 * PASSED, or lost shards) and think pauses became a busy loop.
 */
describe('waits past 2^31 ms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('keep their length: one request per VU, the late scenario never starts, Ctrl-C still stops the run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-long-'));
    const file = join(dir, 'long.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: long-waits }
spec:
  target: { baseURL: "${server.url}" }
  scenarios:
    thinkers:
      executor: constant-vus
      vus: 2
      duration: 500h
      gracefulStop: 1s
      flow:
        - { name: once, request: { url: / }, think: { constant: 500h } }
    late:
      executor: constant-vus
      vus: 1
      startTime: 500h
      duration: 1s
      flow:
        - { name: late, request: { url: /late } }
`,
    );
    const out = join(dir, 'report');
    const before = server.requests;
    const result = await runCliWith(
      ['run', file, '--out', out, '--workers', '2', '--quiet'],
      /running long-waits/,
      (child) => setTimeout(() => child.kill('SIGINT'), 3000),
      30_000,
    );
    expect(result.stderr).not.toMatch(/TimeoutOverflowWarning|lost shard/);
    expect(result.code).toBe(130);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('interrupted');
    expect(summary.totals.requests).toBe(2);
    expect(server.requests - before).toBe(2);
    expect(summary.steps.map((s: { step: string }) => s.step)).toEqual(['once']);
  });
});
