/**
 * An iteration that fails before its step can send (here a template error) is a failed attempt: a request
 * and a failure, as a refused request is. Failures never outnumber requests (the error rate stays within
 * 0..1 and "successful requests" is never negative).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

describe('iteration errors in the totals', () => {
  let dir: string;
  let target: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-iter-err-'));
    target = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ n: 400_000_000 }));
    });
  });
  afterAll(() => target.close());

  const before = { requests: 0 };
  async function run(flow: string) {
    before.requests = target.requests;
    const file = join(dir, 'm.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: iter-err }
spec:
  target: { baseURL: "${target.url}" }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 5
      flow:
${flow}`,
    );
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const result = await runCli(['run', file, '--workers', '1', '--quiet', '--out', out]);
    return { result, summary: JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) };
  }

  it('iterations that fail before sending are failed attempts: failures stay within requests', async () => {
    // Iteration 1 sends with n unset and extracts n = 400,000,000; iterations 2-5 fail at randomString(n)
    // before anything is sent (over its 1 MiB cap). Old totals: 2 requests, 4 failures, "-2 successful".
    const { result, summary } = await run(
      [
        '        - { name: send, request: { method: POST, url: /, body: "${randomString(vars.n)}" } }',
        '        - { name: ask, request: { url: / }, extract: { n: { json: $.n } } }',
        '',
      ].join('\n'),
    );
    expect(target.requests - before.requests).toBe(2);
    expect(summary.totals).toMatchObject({ requests: 6, failures: 4 });
    expect(summary.totals.errorRate).toBeCloseTo(4 / 6, 5);
    const iteration = summary.steps.find((st: { step: string }) => st.step === '(iteration)');
    expect(iteration).toMatchObject({ requests: 4, failures: 4 });
    const successful = summary.gates.find((g: { name: string }) => g.name === 'successful requests');
    expect(successful).toMatchObject({ actual: '2', passed: true });
    expect(summary.verdict).toBe('failed');
    expect(result.code).toBe(99);
  }, 60_000);
});
