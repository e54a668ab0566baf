import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

/** An open-model scenario whose VU pool is `maxVUs`: 10 iterations/s for 2 s. */
function manifest(baseURL: string, maxVUs: number, runners?: number): string {
  return `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: shard-count }
spec:
${runners === undefined ? '' : `  runners: ${runners}\n`}  target: { baseURL: "${baseURL}" }
  scenarios:
    checkout:
      executor: constant-arrival-rate
      rate: 10
      duration: 2s
      preAllocatedVUs: 1
      maxVUs: ${maxVUs}
      flow:
        - { name: buy, request: { url: / } }
`;
}

/**
 * Shard i of n runs every n-th iteration on its share of maxVUs; with fewer VUs than shards some share is 0
 * and that shard would drop every iteration it owns. A count the user chose is refused; auto fits the pool.
 */
describe('shard counts that would starve a shard of VUs', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-shards-'));
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stampede validate refuses spec.runners above maxVUs with exit 2 and the field path', async () => {
    const file = join(dir, 'runners.yaml');
    await writeFile(file, manifest(server.url, 3, 5));
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a valid LoadTest \(1 problem\)/);
    expect(result.stderr).toMatch(
      /spec\.scenarios\.checkout\.maxVUs: 3 VUs cannot be split over 5 runners; give at least 5 or lower spec\.runners/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await writeFile(file, manifest(server.url, 5, 5));
    expect((await runCli(['validate', file])).code).toBe(0);
  });

  it('stampede run refuses --workers above maxVUs with exit 2, the field path, and sends nothing', async () => {
    const file = join(dir, 'workers.yaml');
    // spec.runners is the cluster's count: a local run is judged by --workers alone.
    await writeFile(file, manifest(server.url, 3, 5));
    const before = server.requests;
    const result = await runCli(['run', file, '--workers', '5', '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /spec\.scenarios\.checkout\.maxVUs: 3 VUs cannot be split over 5 workers; give at least 5 or lower --workers/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(server.requests).toBe(before);
  });

  it('stampede run --workers auto uses no more workers than maxVUs and drops nothing', async () => {
    const file = join(dir, 'auto.yaml');
    await writeFile(file, manifest(server.url, 1));
    const out = join(dir, 'auto-report');
    const before = server.requests;
    const result = await runCli(['run', file, '--workers', 'auto', '--quiet', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/with 1 worker\(s\)/);
    if (availableParallelism() > 1)
      expect(result.stderr).toMatch(
        new RegExp(
          `--workers auto: 1 worker\\(s\\) instead of ${availableParallelism()}, as spec\\.scenarios\\.checkout\\.maxVUs is 1`,
        ),
      );
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    const scenario = summary.scenarios.find((s: { name: string }) => s.name === 'checkout');
    expect(scenario.droppedIterations).toBe(0);
    // 10/s for 2 s: every scheduled iteration ran and reached the server.
    expect(server.requests - before).toBe(20);
  });
});
