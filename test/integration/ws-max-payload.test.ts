/**
 * WebSocket messages are bounded by spec.target.maxBodyBytes (ws's maxPayload): a longer message is not
 * buffered; the connection closes with 1009 and the step fails as `ws_close` with a message naming the limit.
 * Before, ws's default (100 MiB) let a target make every VU hold ~95 MiB messages (16 VUs: 1.8 GB); the
 * child here is killed at 500 MB.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { runCliBounded } from '../helpers/cli.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';

/** Far above maxBodyBytes, and big enough that 8 VUs holding one each pass the memory bound. */
const HUGE = Buffer.alloc(95 * 1024 * 1024, 97);

describe('WebSocket messages over maxBodyBytes', () => {
  let dir: string;
  let server: TestWsServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-ws-payload-'));
    server = await startWsServer((ws: WebSocket, req) => {
      ws.on('message', () => ws.send(req.url?.startsWith('/small') ? 'x'.repeat(1024) : HUGE));
    });
  });
  afterAll(() => server.close());

  it('a message over the limit: ws_close naming maxBodyBytes, bounded memory; one at the limit passes', async () => {
    const file = join(dir, 'm.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: bigws }
spec:
  target: { baseURL: "${server.httpUrl}", timeout: 10s, maxBodyBytes: 1024 }
  scenarios:
    big:
      executor: per-vu-iterations
      vus: 8
      iterations: 3
      flow:
        - name: huge
          ws: { url: /huge, send: { text: hi }, expect: { any: true } }
    small:
      executor: per-vu-iterations
      vus: 1
      iterations: 3
      flow:
        - name: fits
          ws: { url: /small, send: { text: hi }, expect: { any: true } }
`,
    );
    const out = join(dir, 'out');
    const r = await runCliBounded(['run', file, '--workers', '1', '--quiet', '--out', out], {
      timeoutMs: 45_000,
      maxRssMb: 500,
    });
    expect(r.killedFor, `${r.stderr} (peak ${r.peakRssMb} MiB)`).toBeUndefined();
    expect(r.code).toBe(99);
    const errors = JSON.parse(await readFile(join(out, 'errors.json'), 'utf8')) as {
      byClass: Record<string, number>;
      samples: { class: string; step: string; message: string; count: number }[];
    };
    // One failure per iteration: the oversized reply, not a second one for the 1009 close.
    expect(errors.byClass.ws_close).toBe(24);
    expect(errors.samples).toEqual([
      {
        class: 'ws_close',
        scenario: 'big',
        step: 'huge',
        message:
          'a message larger than spec.target.maxBodyBytes (1024 bytes) arrived; it was not read and the ' +
          'connection closed with 1009 (message too big)',
        count: 24,
      },
    ]);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      scenarios: { name: string; iterations: number; failedIterations: number }[];
    };
    expect(summary.scenarios.find((s) => s.name === 'small')).toMatchObject({
      iterations: 3,
      failedIterations: 0,
    });
  });
});
