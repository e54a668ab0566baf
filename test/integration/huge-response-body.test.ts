import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

const BODY_BYTES = 600 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

/** Streams BODY_BYTES of 'a', generated on the fly (never stored), honouring backpressure. */
function streamBody(res: ServerResponse, chunked: boolean) {
  res.writeHead(200, chunked ? {} : { 'content-length': String(BODY_BYTES) });
  let sent = 0;
  const pump = () => {
    while (sent < BODY_BYTES) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

/**
 * A 600 MB answer to a step with a body check: before, the body became one string (ERR_STRING_TOO_LONG,
 * 2 GB RSS, no report). Now checks see the first maxBodyBytes, the rest is counted, and the check that could
 * not see it all fails as body_too_large, a per-request error.
 */
describe('a 600 MB response body', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => streamBody(res, req.url === '/chunked'));
  });
  afterAll(() => server.close());
  const savedClient = process.env.STAMPEDE_HTTP_CLIENT;
  afterEach(() => {
    if (savedClient === undefined) delete process.env.STAMPEDE_HTTP_CLIENT;
    else process.env.STAMPEDE_HTTP_CLIENT = savedClient;
  });

  for (const client of ['http1', 'undici'] as const) {
    it(`${client}: is streamed, counted in full, and its check fails as body_too_large`, async () => {
      if (client === 'undici') process.env.STAMPEDE_HTTP_CLIENT = 'undici';
      const dir = await mkdtemp(join(tmpdir(), 'stampede-body-'));
      const file = join(dir, 'big.yaml');
      await writeFile(
        file,
        `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: big-body }
spec:
  target: { baseURL: "${server.url}", timeout: 60s, maxBodyBytes: 65536 }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 1
      flow:
        - { name: fixed, request: { url: /fixed }, check: { status: 200, bodyContains: needle } }
        - { name: chunked, request: { url: /chunked }, check: { bodyMatches: "b+" } }
`,
      );
      const out = join(dir, 'report');
      const result = await runCli(['run', file, '--out', out, '--workers', '1', '--quiet'], 120_000);
      expect(result.stderr).not.toMatch(/ERR_STRING_TOO_LONG|lost shard/);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
      expect(summary.outcome).toBe('completed');
      for (const name of ['fixed', 'chunked']) {
        const step = summary.steps.find((s: { step: string }) => s.step === name);
        expect(step.requests).toBe(1);
        expect(step.errors).toEqual({ body_too_large: 1 });
      }
      // Every byte was read and counted, although only 64 KiB of each body was kept.
      expect(summary.totals.bytesIn).toBeGreaterThanOrEqual(2 * BODY_BYTES);
      const sample = JSON.stringify(summary.errors.samples);
      expect(sample).toMatch(/larger than spec\.target\.maxBodyBytes \(65536\)/);
      // Check failures, not a crash: every request failed, so the verdict gate fails (99), never 1.
      expect(result.code).toBe(99);
    });
  }

  it('http2 (h2c): the same limit holds on the HTTP/2 client', async () => {
    const h2 = createH2Server((_req, res) => {
      const bytes = 64 * 1024 * 1024;
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
    try {
      const lt = loadTest(
        url,
        {
          s: {
            executor: 'shared-iterations',
            vus: 1,
            iterations: 1,
            flow: [{ name: 'big', request: { url: '/' }, check: { bodyContains: 'needle' } }],
          } as Scenario,
        },
        { target: { baseURL: url, http2: true, maxBodyBytes: 65536, timeout: '60s' } },
      );
      const summary = await run(lt);
      const step = stepOf(summary, 'big');
      expect(step.protocol).toBe('http2');
      expect(step.errors).toEqual({ body_too_large: 1 });
      expect(summary.totals.bytesIn).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    } finally {
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});
