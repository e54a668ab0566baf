/**
 * On the real control plane: a baseline run, then a run against a slower target with spec.baseline naming
 * the first run's report. The second run's verdict fails with a BaselinePassed=False condition, and
 * `stampede report` fetches its report (report.md, report.html, summary.json with the comparison). A report
 * ConfigMap holding a gzip-compressed page in binaryData comes back unpacked.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import type { Summary } from '../../src/report/summary.js';
import { runCli } from '../helpers/cli.js';
import { type ClusterEnv, ROOT, startClusterEnv } from './cluster-env.js';

async function manifest(name: string, baseURL: string, baseline?: Record<string, unknown>): Promise<string> {
  const doc = parse(await readFile(join(ROOT, 'examples/distributed.yaml'), 'utf8'));
  doc.metadata = { name, namespace: 'default' };
  doc.spec.runners = 1;
  doc.spec.scenarios.shoppers.duration = '3s';
  doc.spec.target.baseURL = baseURL;
  if (baseline) doc.spec.baseline = baseline;
  return stringify(doc);
}

describe('spec.baseline and stampede report on a real control plane', () => {
  let env: ClusterEnv;
  let fast: DemoTarget;
  let slow: DemoTarget;
  beforeAll(async () => {
    env = await startClusterEnv();
    fast = await startDemoTarget({ port: 0, latencyMs: 1, jitterMs: 0 });
    slow = await startDemoTarget({ port: 0, latencyMs: 30, jitterMs: 0 });
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await fast?.close();
    await slow?.close();
  });

  it('a slower run fails against its baseline, and stampede report fetches the comparison', async () => {
    await env.kubectl(['apply', '-f', '-'], await manifest('base', fast.url));
    const base = await env.waitForPhase('base', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(base.status).toMatchObject({ phase: 'Succeeded', verdict: 'Passed', report: 'base-report' });

    await env.kubectl(
      ['apply', '-f', '-'],
      await manifest('slower', slow.url, { configMap: 'base-report', maxRegression: { p95: '10%' } }),
    );
    const slower = await env.waitForPhase('slower', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(slower.status).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Failed',
      message: 'Baseline comparison FAILED against base-report (regressed: latency p95).',
    });
    expect(slower.status?.conditions?.find((c) => c.type === 'BaselinePassed')).toMatchObject({
      status: 'False',
      reason: 'Regressed',
    });

    const kubeconfig = env.cp.kubeconfigPath;
    const printed = await runCli(['report', 'slower', '-n', 'default', '--kubeconfig', kubeconfig]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^# Load test report: slower/);
    expect(printed.stdout).toMatch(/## Baseline comparison/);
    expect(printed.stdout).toMatch(
      /\| latency p95 \| [\d.]+ms \| [\d.]+ms \| \+[\d.]+% \| \+10% \| REGRESSED \|/,
    );

    const out = await mkdtemp(join(tmpdir(), 'stampede-report-'));
    const written = await runCli([
      'report',
      'slower',
      '-n',
      'default',
      '--kubeconfig',
      kubeconfig,
      '--out',
      out,
    ]);
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/report default\/slower-report written: .*report\.html/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary.verdict).toBe('failed');
    expect(summary.baseline?.rows.find((r) => r.metric === 'p95')?.verdict).toBe('regressed');
    expect(await readFile(join(out, 'report.html'), 'utf8')).toMatch(/Baseline comparison FAILED/);
  }, 240_000);

  it('unpacks a gzip-compressed report.html from binaryData, and says when there is no report', async () => {
    const html = '<!DOCTYPE html><title>big</title>';
    await env.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gone-report', namespace: 'default' },
        data: { 'report.md': '# Load test report: gone\n', 'summary.json': '{}' },
        binaryData: { 'report.html.gz': gzipSync(html).toString('base64') },
      }),
    );
    const out = await mkdtemp(join(tmpdir(), 'stampede-report-'));
    const kubeconfig = env.cp.kubeconfigPath;
    // No LoadTest "gone" any more: the report is found by its name.
    const result = await runCli(['report', 'gone', '--kubeconfig', kubeconfig, '--out', out]);
    expect(result.code).toBe(0);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toBe(html);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toBe('# Load test report: gone\n');

    const missing = await runCli(['report', 'nothing-here', '--kubeconfig', kubeconfig]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no report ConfigMap default\/nothing-here-report/);
  }, 60_000);
});
