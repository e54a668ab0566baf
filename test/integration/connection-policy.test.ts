import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/report/summary.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { startWsServer, type TestWsServer } from '../helpers/ws-server.js';

const ITERATIONS = 6;

const manifest = (spec: Record<string, unknown>, flow: unknown[]) => ({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'policy' },
  spec: {
    env: { TARGET: '', PG_URL: '' },
    ...spec,
    scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: ITERATIONS, flow } },
  },
});

async function run(doc: unknown, args: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-policy-'));
  const file = join(dir, 'lt.json');
  await writeFile(file, JSON.stringify(doc));
  const out = join(dir, 'out');
  const result = await runCli(['run', file, '--workers', '1', '--quiet', '--out', out, ...args], 60_000);
  const summary =
    result.code === 2
      ? undefined
      : (JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary);
  return { ...result, summary };
}

/** `stampede run --allow`: the policy runners enforce, checked where each connection is made. */
describe('connection policy at connect time', () => {
  let http: TestServer;
  let ws: TestWsServer;
  beforeAll(async () => {
    http = await startServer((_req, res) => res.end('ok'));
    ws = await startWsServer((socket) => socket.on('message', (m) => socket.send(m)));
  });
  afterAll(async () => {
    await http.close();
    await ws.close();
  });

  it('a templated URL whose static host is outside the policy fails up front with its field path (exit 2)', async () => {
    const before = http.requests;
    const doc = manifest({ target: { baseURL: `http://127.0.0.1:${http.port}` } }, [
      { name: 'item', request: { url: `http://localhost:${http.port}/item/\${vu}` } },
      { name: 'meta', request: { url: 'http://169.254.169.254/latest/${vu}' } },
    ]);
    const result = await run(doc, ['--allow', '127.0.0.0/8']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /spec\.scenarios\.s\.flow\[0\]\.request\.url: host localhost is not allowed by the operator's target policy/,
    );
    // "*" allows any target, but never link-local/metadata addresses unless an entry names them.
    const any = await run(doc, ['--allow', '*']);
    expect(any.code).toBe(2);
    expect(any.stderr).toMatch(/flow\[1\]\.request\.url: host 169\.254\.169\.254 is not allowed/);
    expect(any.stderr).not.toMatch(/flow\[0\]/);
    expect(http.requests).toBe(before);
  }, 60_000);

  it('an allowed name that resolves outside the policy CIDRs is refused at connect time (localhost vs 10.0.0.0/8)', async () => {
    const before = http.requests;
    const doc = manifest({ target: { baseURL: `http://localhost:${http.port}` } }, [
      { name: 'get', request: { url: '/item/${vu}' } },
    ]);
    const refused = await run(doc, ['--allow', 'localhost,10.0.0.0/8']);
    expect(http.requests).toBe(before);
    expect(refused.summary?.errors.byClass.policy_denied).toBe(ITERATIONS);
    expect(refused.summary?.errors.samples[0]?.message).toMatch(
      /refused by the target policy: localhost resolved to \S+, which no policy entry covers/,
    );
    // The same manifest with the address inside the policy reaches the server: the refusal was the policy's.
    const allowed = await run(doc, ['--allow', 'localhost,127.0.0.0/8']);
    expect(allowed.summary?.errors.byClass.policy_denied).toBe(0);
    expect(http.requests).toBe(before + ITERATIONS);
  }, 60_000);

  it('a WebSocket connection outside the policy is never opened', async () => {
    const before = ws.connections;
    const doc = manifest({ target: { baseURL: `http://localhost:${ws.port}` } }, [
      { name: 'chat', ws: { url: '/ws?room=${vu}', send: { text: 'hi' } } },
    ]);
    const result = await run(doc, ['--allow', 'localhost,10.0.0.0/8']);
    expect(ws.connections).toBe(before);
    expect(result.summary?.errors.byClass.policy_denied).toBe(ITERATIONS);
    expect(result.summary?.errors.samples[0]?.message).toMatch(
      /localhost resolved to \S+, which no policy entry covers/,
    );
  }, 60_000);

  it('a PostgreSQL URL whose ?host= leaves the policy is refused before connecting, password unprinted', async () => {
    const doc = manifest(
      { target: { baseURL: `http://127.0.0.1:${http.port}` }, postgres: { url: '${env.PG_URL}' } },
      [{ name: 'q', pg: { query: 'SELECT 1' } }],
    );
    const url = 'postgres://app:hunter2-secret@127.0.0.1:5432/shop?host=db.elsewhere.example';
    const result = await run(doc, ['--allow', '127.0.0.0/8', '--env', `PG_URL=${url}`]);
    expect(result.summary?.errors.byClass.policy_denied).toBe(ITERATIONS);
    expect(result.summary?.errors.samples[0]?.message).toMatch(
      /db\.elsewhere\.example: no policy entry allows this host/,
    );
    expect(JSON.stringify(result)).not.toContain('hunter2-secret');
  }, 60_000);

  it('a malformed --allow entry is a usage error (exit 2)', async () => {
    const doc = manifest({ target: { baseURL: `http://127.0.0.1:${http.port}` } }, [
      { request: { url: '/' } },
    ]);
    const bad = await run(doc, ['--allow', '10.0.0.0/99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--allow: 10\.0\.0\.0\/99: prefix length must be 0\.\.32/);
  });
});
