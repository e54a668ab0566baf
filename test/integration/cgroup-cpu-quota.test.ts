/**
 * A generator in a cgroup with a CPU quota of half a core (a pod's `limits.cpu: 500m`, `docker --cpus 0.5`)
 * may run on every CPU of the machine yet gets 50 ms of each 100 ms. Real cgroup, real processes: the code
 * must report 0.5 usable cores from inside, `--workers auto` must start one worker, and a load that needs
 * more than half a core must be judged CPU-bound against those 0.5 cores, not against the machine's CPUs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUSTAINED_SECONDS } from '../../src/analysis/saturation.js';
import { type CpuCgroup, makeCpuCgroup } from '../helpers/cgroup.js';
import { runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

const PROBE = fileURLToPath(new URL('../../dist/metrics/usable-cores.js', import.meta.url));
/** Each answer is checked with a regular expression over 64 KiB: milliseconds of generator CPU apiece. */
const BODY = Buffer.from(`${'x'.repeat(64 * 1024)}END`);
const RATE = 1000;
const SECONDS = 5;

/** What usableCores() says in a process started by argv (wrapped into the cgroup or not). */
function probe(wrap: (argv: string[]) => string[]): Promise<unknown> {
  const code = `const m = await import(${JSON.stringify(PROBE)}); console.log(JSON.stringify(m.usableCores()));`;
  const [command, ...args] = wrap([process.execPath, '--input-type=module', '-e', code]) as [
    string,
    ...string[],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe exit ${status}`)),
    );
  });
}

function manifest(baseURL: string, scenario: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'cpu-quota' },
    spec: { target: { baseURL }, scenarios: { load: scenario } },
  });
}

describe('a generator under a cgroup CPU quota of half a core', () => {
  let cgroup: CpuCgroup;
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    cgroup = makeCpuCgroup(50_000, 100_000);
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    dir = await mkdtemp(join(tmpdir(), 'stampede-cgroup-'));
  });
  afterAll(async () => {
    await server?.close();
    await cgroup?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports 0.5 usable cores from inside, the quota set on the parent cgroup', async () => {
    expect(await probe(cgroup.wrap)).toEqual({ cores: 0.5, from: 'cgroup quota' });
  });

  it('--workers auto starts one worker and the summary says 0.5 cores (cgroup quota)', async () => {
    const file = join(dir, 'auto.json');
    await writeFile(
      file,
      manifest(server.url, {
        executor: 'shared-iterations',
        vus: 4,
        iterations: 8,
        flow: [{ name: 'get', request: { url: '/' } }],
      }),
    );
    const out = join(dir, 'auto');
    const result = await runCli(['run', file, '--quiet', '--out', out], 60_000, cgroup.wrap);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/with 1 worker\(s\)/);
    expect(result.stdout).toMatch(/generator: 1 thread\(s\) on 0\.5 cores \(cgroup quota\)/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.generator).toMatchObject({ threads: 1, cores: 0.5, coresFrom: 'cgroup quota' });
  });

  it('a load needing more than half a core is judged CPU-bound against the 0.5 cores', async () => {
    const file = join(dir, 'load.json');
    // Bounded: at most RATE x SECONDS iterations on 127.0.0.1, and 20 in flight; the rest are dropped.
    await writeFile(
      file,
      manifest(server.url, {
        executor: 'constant-arrival-rate',
        rate: RATE,
        duration: `${SECONDS}s`,
        preAllocatedVUs: 10,
        maxVUs: 20,
        flow: [{ name: 'get', request: { url: '/' }, check: { bodyMatches: '(x|y)+END$' } }],
      }),
    );
    const out = join(dir, 'load');
    const throttledBefore = cgroup.throttledPeriods();
    const result = await runCli(
      ['run', file, '--workers', '1', '--quiet', '--out', out],
      60_000,
      cgroup.wrap,
    );
    expect(result.code, result.stderr).toBe(0);
    // The load really asked for more than the quota: the kernel held the group back.
    expect(cgroup.throttledPeriods() - throttledBefore).toBeGreaterThan(0);
    expect(server.requests).toBeLessThanOrEqual(RATE * SECONDS);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('completed');
    const g = summary.generator;
    expect(g).toMatchObject({ cores: 0.5, coresFrom: 'cgroup quota', saturated: true });
    // Pinned at its half core for seconds in a row: on the machine's CPUs that would look half idle.
    expect(g.cpuBusySeconds, JSON.stringify(summary.timeseries)).toBeGreaterThanOrEqual(SUSTAINED_SECONDS);
    expect(g.reasons.join('\n')).toMatch(
      /CPU at or above 90% of 0\.5 usable core\(s\) \(cgroup quota\) for 3\+ seconds in a row/,
    );
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(/on 0\.5 cores \(cgroup quota\)/);
  });
});
