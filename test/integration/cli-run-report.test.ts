import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPORT_FILES } from '../../src/report/write.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/http-server.js';

/** The quickstart as a user runs it, shortened: demo target started by the CLI, report files written. */
describe('stampede run', () => {
  it('runs the quickstart flow against the demo target and writes every report file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-cli-'));
    const manifest = parse(
      await readFile(new URL('../../examples/quickstart.yaml', import.meta.url), 'utf8'),
    );
    manifest.spec.scenarios.shoppers.stages = [
      { duration: '1s', target: 5 },
      { duration: '2s', target: 5 },
    ];
    const file = join(dir, 'quick.yaml');
    await writeFile(file, JSON.stringify(manifest));
    const out = join(dir, 'report');
    const result = await runCli(['run', file, '--demo-target', '--out', out, '--workers', '1']);
    expect(result.stderr).toMatch(/demo target started at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/verdict PASSED/);
    expect(result.stdout).toMatch(/shoppers\/login\s+\d+/);
    expect(result.stdout).toMatch(/PASS {2}checks {2}rate>0\.99/);
    for (const name of REPORT_FILES)
      expect((await readFile(join(out, name), 'utf8')).length).toBeGreaterThan(10);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      schemaVersion: 1,
      kind: 'StampedeSummary',
      verdict: 'passed',
      outcome: 'completed',
    });
    const login = summary.steps.find((s: { step: string }) => s.step === 'login');
    const browse = summary.steps.find((s: { step: string }) => s.step === 'browse');
    // The seed's session: five page views per login.
    expect(browse.requests).toBe(login.requests * 5);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(
      /<testsuites name="stampede" tests="7" failures="0"/,
    );
    expect(await readFile(join(out, 'timeseries.csv'), 'utf8')).toMatch(/^second,requests,rps,failures/);
  });

  it('an unreachable target is counted, reported, and fails its thresholds with exit 99', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-cli-'));
    const port = await closedPort();
    const file = join(dir, 'down.yaml');
    await writeFile(
      file,
      `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: down }
spec:
  target: { baseURL: "http://127.0.0.1:${port}" }
  scenarios:
    s:
      executor: per-vu-iterations
      vus: 2
      iterations: 3
      flow:
        - { name: home, request: { url: / }, think: { constant: 10ms } }
  thresholds:
    errors: ["rate<0.01"]
`,
    );
    const out = join(dir, 'report');
    const result = await runCli(['run', file, '--out', out, '--workers', '1']);
    expect(result.code).toBe(99);
    expect(result.stdout).toMatch(/errors by class: refused 6/);
    expect(result.stdout).toMatch(/FAIL {2}errors {2}rate<0\.01 {2}\(actual 100\.0%\)/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.errors.byClass.refused).toBe(6);
    expect(summary.outcome).toBe('completed');
    // The analysis runs on local results too: the error mix is the finding, and report.md's advice is its.
    expect(result.stdout).toMatch(/CRITICAL: 100\.0% of requests failed, mostly refused/);
    expect(summary.findings.map((f: { id: string }) => f.id)).toEqual(['error-mix']);
    expect(summary.score.value).toBeLessThan(50);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(
      /1\. \*\*100\.0% of requests failed, mostly refused\*\* \(critical\): Refused connections dominate/,
    );
  });
});
