/**
 * A randomString length a target chooses (extracted from its response) cannot exhaust the generator: the
 * iteration fails with a classed error (`other`, "randomString(N): the length is at most 1048576"), the run
 * completes with its report, and memory stays bounded. Before, n = 400,000,000 grew each worker to
 * gigabytes and lost the shard; the child here is killed at 500 MB.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliBounded } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { echo, startWsServer, type TestWsServer } from '../helpers/ws-server.js';

const LIMITS = { timeoutMs: 45_000, maxRssMb: 500 };

interface ErrorsJson {
  byClass: Record<string, number>;
  samples: { class: string; step: string; message: string; count: number }[];
}

describe('randomString(n) with n from a hostile target', () => {
  let dir: string;
  let target: TestServer;
  let wsTarget: TestWsServer;
  let echoed = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-rs-'));
    target = await startServer((req, res) => {
      if (req.url === '/echo') echoed++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ n: 400_000_000 }));
    });
    wsTarget = await startWsServer(echo);
  });
  afterAll(async () => {
    await target.close();
    await wsTarget.close();
  });

  async function runManifest(name: string, text: string) {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, text);
    const out = join(dir, `out-${name}`);
    const r = await runCliBounded(['run', file, '--workers', '1', '--quiet', '--out', out], LIMITS);
    const errors = r.killedFor
      ? undefined
      : (JSON.parse(await readFile(join(out, 'errors.json'), 'utf8')) as ErrorsJson);
    return { ...r, errors };
  }

  it('an HTTP body: the iteration fails with a classed error, the report is written', async () => {
    const r = await runManifest(
      'http',
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: rs }
spec:
  target: { baseURL: "${target.url}" }
  scenarios:
    s:
      executor: shared-iterations
      vus: 2
      iterations: 6
      flow:
        - name: ask
          request: { url: /n }
          extract: { n: { json: $.n } }
        - name: send
          request: { method: POST, url: /echo, body: "\${randomString(vars.n)}" }
`,
    );
    expect(r.killedFor, `${r.stderr} (peak ${r.peakRssMb} MiB)`).toBeUndefined();
    // Every iteration failed: the verdict fails (exit 99), it is not a crash (1) or a lost shard.
    expect(r.code).toBe(99);
    expect(r.stderr).not.toMatch(/lost shard/);
    expect(echoed).toBe(0);
    expect(r.errors?.byClass.other).toBe(6);
    expect(r.errors?.samples).toContainEqual(
      expect.objectContaining({
        class: 'other',
        message: expect.stringContaining('randomString(400000000): the length is at most 1048576'),
        count: 6,
      }),
    );
  });

  it('a WebSocket message: the step fails with a classed error, the process does not crash', async () => {
    const r = await runManifest(
      'ws',
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: rsws }
spec:
  target: { baseURL: "${target.url}" }
  scenarios:
    s:
      executor: shared-iterations
      vus: 2
      iterations: 4
      flow:
        - name: ask
          request: { url: /n }
          extract: { n: { json: $.n } }
        - name: talk
          ws:
            url: ${wsTarget.url}/
            send: { text: "\${randomString(vars.n)}" }
            expect: { any: true }
`,
    );
    expect(r.killedFor, `${r.stderr} (peak ${r.peakRssMb} MiB)`).toBeUndefined();
    expect(r.code).toBe(99);
    expect(r.stderr).not.toMatch(/lost shard/);
    expect(r.errors?.samples).toContainEqual(
      expect.objectContaining({
        class: 'other',
        step: 'talk',
        message: 'message template: randomString(400000000): the length is at most 1048576',
        count: 4,
      }),
    );
  });
});
