import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const MANIFEST = `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: sizes }
spec:
  target: { baseURL: "\${env.BASE}" }
  env: { BASE: http://127.0.0.1:1, SECS: "30", RATE: "5", USERS: "2" }
  scenarios:
    browse:
      executor: constant-vus
      vus: \${env.USERS}
      duration: \${env.SECS}s
      flow: [{ name: data, request: { url: /healthz } }]
    arrivals:
      executor: constant-arrival-rate
      rate: \${env.RATE}
      duration: 30s
      preAllocatedVUs: 2
      flow: [{ name: health, request: { url: /healthz } }]
`;

/** One manifest at two sizes: CLI overrides and ${env.X} in load fields, validated after substitution. */
describe('CLI overrides', () => {
  let file: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-overrides-'));
    file = join(dir, 'sizes.yaml');
    await writeFile(file, MANIFEST);
  });

  it('substitutes ${env.X} in durations, rates, counts and the base URL', async () => {
    const plain = await runCli(['validate', file]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/browse: constant-vus \(closed model\), 2 VUs for 30s/);
    expect(plain.stdout).toMatch(/arrivals: constant-arrival-rate .*5\/1s/);
    const changed = await runCli(['validate', file, '--env', 'SECS=90', '--env', 'RATE=12']);
    expect(changed.stdout).toMatch(/2 VUs for 1m30s/);
    expect(changed.stdout).toMatch(/12\/1s/);
  });

  it('--vus 50 --duration 60s overrides every scenario that takes them', async () => {
    const result = await runCli(['validate', file, '--vus', '50', '--duration', '60s']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/browse: .*50 VUs for 1m\b/);
    // constant-arrival-rate takes duration but not vus.
    expect(result.stdout).toMatch(/arrivals: .*for 1m\b/);
  });

  it('--scenario limits an override to one scenario', async () => {
    const result = await runCli([
      'validate',
      file,
      '--scenario',
      'arrivals',
      '--duration',
      '10s',
      '--rate',
      '7',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/browse: .*2 VUs for 30s/);
    expect(result.stdout).toMatch(/arrivals: .*7\/1s for 10s/);
  });

  it('runs with the overridden size against the demo target', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'stampede-overrides-run-')), 'report');
    const result = await runCli(
      [
        'run',
        file,
        '--demo-target',
        '--vus',
        '3',
        '--duration',
        '1s',
        '--rate',
        '20',
        '--workers',
        '1',
        '--quiet',
        '--out',
        out,
      ],
      60_000,
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      durationMs?: number;
      steps: { step: string; requests: number }[];
    };
    // 1 s instead of 30 s: 20 arrivals per second give about 20 health checks, never the 150 of 30 s at 5/s.
    const health = summary.steps.find((s) => s.step === 'health')?.requests ?? 0;
    expect(health).toBeGreaterThanOrEqual(15);
    expect(health).toBeLessThanOrEqual(25);
    expect(result.stdout).toMatch(/completed after [0-9.]+s/);
    expect(result.stdout).not.toMatch(/completed after (2\d|3\d)\./);
  });

  it('exits 2 with a field path when an override or substituted value is invalid', async () => {
    const badVus = await runCli(['validate', file, '--vus', 'many']);
    expect(badVus.code).toBe(2);
    expect(badVus.stderr).toMatch(
      /spec\.scenarios\.browse\.vus: expected an integer >= 1.*got string "many"/,
    );
    const badEnv = await runCli(['validate', file, '--env', 'SECS=soon']);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(
      /spec\.scenarios\.browse\.duration: "soons" is not a non-negative duration/,
    );
    const badUrl = await runCli(['validate', file, '--env', 'BASE=ftp://x']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/spec\.target\.baseURL: "ftp:\/\/x" is not an http/);
    const noTaker = await runCli(['validate', file, '--iterations', '5']);
    expect(noTaker.code).toBe(2);
    expect(noTaker.stderr).toMatch(
      /--iterations: no scenario takes iterations \(executors: browse: constant-vus/,
    );
    const noScenario = await runCli(['validate', file, '--scenario', 'nope', '--vus', '1']);
    expect(noScenario.code).toBe(2);
    expect(noScenario.stderr).toMatch(/--scenario nope: no such scenario \(have: browse, arrivals\)/);
    const wrongField = await runCli(['validate', file, '--scenario', 'arrivals', '--vus', '1']);
    expect(wrongField.code).toBe(2);
    expect(wrongField.stderr).toMatch(/--vus: scenario arrivals does not take vus/);
    for (const r of [badVus, badEnv, badUrl, noTaker, noScenario, wrongField])
      expect(r.stderr).not.toMatch(/ at /);
  });

  it('refuses an undeclared ${env.X} in a load field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-overrides-undeclared-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, MANIFEST.replace('duration: 30s', 'duration: ${env.NOPE}'));
    const result = await runCli(['validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /spec\.scenarios\.arrivals\.duration: \$\{env\.NOPE\} is undefined: declare it in spec\.env/,
    );
  });
});
