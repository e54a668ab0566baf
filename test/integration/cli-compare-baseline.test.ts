/**
 * `stampede compare` as a user runs it: a baseline run against the demo target, a second run against the
 * same demo target with 25 ms of injected latency, and the comparison of their summary.json files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';

/** Starts `stampede demo-target` (the real CLI) and resolves with its URL. */
function startDemo(latency: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [CLI, 'demo-target', '--port', '0', '--latency', latency, '--jitter', '0ms'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo target did not start in 10s')), 10_000);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, child });
      }
    });
  });
}

const manifest = (baseURL: string) => `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: compare-me }
spec:
  target: { baseURL: "${baseURL}" }
  scenarios:
    browse:
      executor: constant-vus
      vus: 4
      duration: 2s
      gracefulStop: 1s
      flow:
        - name: login
          request: { method: POST, url: /api/login, json: { username: "u-\${vu}", password: demo } }
          extract: { token: { json: $.token } }
        - name: data
          request: { url: /api/data, headers: { authorization: "Bearer \${vars.token}" } }
          check: { status: 200 }
`;

describe('stampede compare: a slower run against its baseline', () => {
  let dir: string;
  const demos: ChildProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-compare-'));
  });
  afterAll(() => {
    for (const d of demos) d.kill();
  });

  async function runAgainst(latency: string, out: string): Promise<string> {
    const demo = await startDemo(latency);
    demos.push(demo.child);
    const file = join(dir, `${out}.yaml`);
    await writeFile(file, manifest(demo.url));
    const result = await runCli(['run', file, '--workers', '1', '--quiet', '--out', join(dir, out)]);
    demo.child.kill();
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    return join(dir, out, 'summary.json');
  }

  it('fails with a regression table and exit 99; the reverse comparison passes', async () => {
    const base = await runAgainst('1ms', 'base');
    const slow = await runAgainst('25ms', 'slow');
    const baseP95 = JSON.parse(await readFile(base, 'utf8')).latency.p95Ms as number;
    const slowP95 = JSON.parse(await readFile(slow, 'utf8')).latency.p95Ms as number;
    expect(slowP95).toBeGreaterThan(baseP95 * 1.5);

    const failed = await runCli(['compare', base, slow, '--max-regression', 'p95=10%']);
    expect(failed.code).toBe(99);
    expect(failed.stdout).toMatch(/Metric\s+Baseline\s+Current\s+Change\s+Allowed\s+Verdict/);
    expect(failed.stdout).toMatch(/latency p95\s+\S+ms\s+\S+ms\s+\+\d+\.\d%\s+\+10%\s+REGRESSED/);
    expect(failed.stdout).toMatch(
      /Baseline comparison FAILED against .*base\/summary\.json \(regressed: latency p95\)/,
    );

    const json = await runCli(['compare', base, slow, '--max-regression', 'p95=10%', '--json']);
    expect(json.code).toBe(99);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'failed',
      rows: expect.arrayContaining([expect.objectContaining({ metric: 'p95', verdict: 'regressed' })]),
    });

    // The other way round latency improved; the default bounds (p95, errorRate, rps) apply without options.
    const reverse = await runCli(['compare', slow, base, '--max-regression', 'p95=10%']);
    expect(reverse.code).toBe(0);
    expect(reverse.stdout).toMatch(/latency p95\s+\S+ms\s+\S+ms\s+-\d+\.\d%\s+\+10%\s+improved/);
    expect(reverse.stdout).toMatch(/Baseline comparison passed/);

    // The run's --out also holds the self-contained page.
    const html = await readFile(join(dir, 'slow', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('data-chart="latency"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  }, 60_000);

  it('bad input exits 2 and names the option', async () => {
    const summary = join(dir, 'base', 'summary.json');
    const unknown = await runCli(['compare', summary, summary, '--max-regression', 'p96=10%']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /--max-regression p96: unknown metric "p96"; allowed: p50, p95, p99, errorRate, rps/,
    );
    const notPercent = await runCli(['compare', summary, summary, '--max-regression', 'p95=10']);
    expect(notPercent.code).toBe(2);
    expect(notPercent.stderr).toMatch(/"10" is not a percentage such as 10% or 0.5%/);
    const missing = await runCli(['compare', summary, join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
    await writeFile(join(dir, 'other.json'), '{"kind":"Other"}');
    const other = await runCli(['compare', summary, join(dir, 'other.json')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/not a Stampede summary\.json/);
  });

  it('refuses runs of different tests (name, scenarios, plans) unless --force, which warns', async () => {
    const base = join(dir, 'base', 'summary.json');
    const summary = JSON.parse(await readFile(base, 'utf8'));
    const unrelated = {
      ...summary,
      loadTest: { name: 'something-else' },
      scenarios: [
        { ...summary.scenarios[0], plan: '40 VUs for 1m' },
        { ...summary.scenarios[0], name: 'checkout' },
      ],
    };
    const other = join(dir, 'unrelated.json');
    await writeFile(other, JSON.stringify(unrelated));
    const refused = await runCli(['compare', base, other]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/are not runs of the same test/);
    expect(refused.stderr).toMatch(/LoadTest names differ: baseline "compare-me", current "something-else"/);
    expect(refused.stderr).toMatch(/scenarios only in the current run: checkout/);
    expect(refused.stderr).toMatch(
      /scenario browse planned differently: baseline "4 VUs for 2s", current "40 VUs for 1m"/,
    );
    expect(refused.stderr).toMatch(/use --force/);
    const forced = await runCli(['compare', base, other, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warning: LoadTest names differ/);
    expect(forced.stdout).toMatch(/Baseline comparison passed/);
    // The same test compares without a word.
    const same = await runCli(['compare', base, base]);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
  });

  it('stampede report with an unreadable kubeconfig is bad input (exit 2)', async () => {
    const result = await runCli(['report', 'x', '--kubeconfig', join(dir, 'no-kubeconfig')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read kubeconfig .*no-kubeconfig/);
  });
});
