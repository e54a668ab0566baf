#!/usr/bin/env node
/**
 * Stampede's own CPU cost per request, the number that holds on a busy machine: CPU-seconds per 100k
 * requests of the generator process (start-up included), against the same nginx as bench/peers.mjs (plain,
 * TLS 1.3, HTTP/2 by ALPN h2). Requests per second move with whatever else runs; CPU per request barely does.
 * With PROFILE=1 each run also writes V8 CPU profiles (node --cpu-prof, the load thread included) and prints
 * the functions with the most self time (as a share of the busy, non-idle time of all threads).
 *
 * Usage: node bench/cpu-per-request.mjs   (env: RUNS=1, DURATION_S=5, WORKLOADS=get,get-tls,get-h2,extract,
 * PROFILE=0). Needs nginx, openssl and taskset; prints a table, writes nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  childCpuParts,
  cpuTimed,
  fail,
  freePort,
  hasCommand,
  median,
  positiveInt,
  ROOT,
  run,
} from './lib.mjs';
import { startNginx, stopNginx } from './nginx.mjs';
import { manifestFor, overTls } from './stampede-manifests.mjs';

const RUNS = positiveInt('RUNS', 1);
const DURATION_S = positiveInt('DURATION_S', 5);
const PROFILE = process.env.PROFILE === '1';
const ALL = ['get', 'get-tls', 'get-h2', 'extract', 'session'];
const WORKLOADS = (process.env.WORKLOADS || 'get,get-tls,get-h2,extract').split(',');
const VUS = 50;
/** As in bench/peers.mjs: HTTP/2's 50 streams share 10 sessions. */
const H2_CONNECTIONS = 10;
const TARGET_CPU = '0';
const GENERATOR_CPU = '1';
/** Self-time rows printed per profile. */
const PROFILE_ROWS = 18;

for (const w of WORKLOADS)
  if (!ALL.includes(w)) fail(`WORKLOADS: unknown "${w}"; allowed: ${ALL.join(', ')}`);
const missing = ['nginx', 'openssl', 'taskset'].filter((c) => !hasCommand(c));
if (missing.length) fail(`missing ${missing.join(', ')}; apt-get install -y nginx-light openssl util-linux`);

/** Self time per function over every profile in dir, the top rows as text. */
function topSelfTime(dir) {
  const self = new Map();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    p.samples.forEach((id, i) => {
      const cf = byId.get(id);
      const dt = p.timeDeltas[i] ?? 0;
      if (cf.functionName !== '(idle)') total += dt;
      const where = cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : '';
      const key = `${cf.functionName || '(anonymous)'} ${where}`;
      self.set(key, (self.get(key) ?? 0) + dt);
    });
  }
  return [...self]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, PROFILE_ROWS)
    .map(
      ([k, us]) =>
        `  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
}

async function stampedeRun(dir, workload, baseURL) {
  const manifest = join(dir, `${workload}.yaml`);
  const connections = workload === 'get-h2' ? H2_CONNECTIONS : VUS;
  writeFileSync(manifest, manifestFor(workload, baseURL, { vus: VUS, connections, durationS: DURATION_S }));
  const out = join(dir, 'out');
  const profDir = join(dir, 'prof');
  rmSync(out, { recursive: true, force: true });
  rmSync(profDir, { recursive: true, force: true });
  const node = PROFILE ? ['node', '--cpu-prof', `--cpu-prof-dir=${profDir}`] : ['node'];
  const argv = ['taskset', '-c', GENERATOR_CPU, ...cpuTimed([...node, 'bin/stampede.js', 'run', manifest])];
  const { stderr } = await run(argv[0], [...argv.slice(1), '--workers', '1', '--quiet', '--out', out], {
    cwd: ROOT,
    timeoutMs: (DURATION_S + 60) * 1000,
  });
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const { user, system } = childCpuParts(stderr);
  const cpuSeconds = user + system;
  return {
    userPer100k: (user / s.totals.requests) * 100_000,
    systemPer100k: (system / s.totals.requests) * 100_000,
    requests: s.totals.requests,
    failures: s.totals.failures,
    rps: s.totals.rps,
    cpuSeconds,
    per100k: (cpuSeconds / s.totals.requests) * 100_000,
    // The generator's own CPU while the load ran (summary.generator): start-up and report writing left out.
    loadPer100k: ((s.generator.meanCpuPercent / 100) * s.durationSeconds * 100_000) / s.totals.requests,
    profile: PROFILE ? topSelfTime(profDir) : [],
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'stampede-cpu-'));
  let nginx;
  try {
    const cert = join(dir, 'c.crt');
    const key = join(dir, 'c.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    ], { stdio: 'pipe' }); // biome-ignore format: one openssl line
    const tls = { port: await freePort(), certFile: cert, keyFile: key };
    nginx = await startNginx(dir, await freePort(), { cpu: TARGET_CPU, tls });
    const tlsOrigin = `https://127.0.0.1:${tls.port}`;
    const rows = [];
    for (const workload of WORKLOADS) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await stampedeRun(dir, workload, overTls(workload) ? tlsOrigin : nginx.origin);
        runs.push(r);
        console.log(
          `${workload.padEnd(8)} ${r.requests} requests, ${r.failures} failed, ${Math.round(r.rps)} req/s, ${r.cpuSeconds.toFixed(2)} CPU-s, ${r.per100k.toFixed(2)} CPU-s per 100k requests (user ${r.userPer100k.toFixed(2)}, system ${r.systemPer100k.toFixed(2)}; ${r.loadPer100k.toFixed(2)} while loading)`,
        );
        if (r.profile.length) console.log(r.profile.join('\n'));
      }
      rows.push(
        `| ${workload} | ${median(runs.map((r) => r.per100k)).toFixed(2)} | ${runs.map((r) => r.per100k.toFixed(2)).join(', ')} |`,
      );
    }
    console.log(
      ['', `| workload | CPU-s per 100k requests (median) | runs |`, '| --- | ---: | --- |', ...rows].join(
        '\n',
      ),
    );
  } finally {
    await stopNginx(nginx?.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
});
