#!/usr/bin/env node
/**
 * PostgreSQL read-mix throughput: Stampede vs pgbench, same server, same queries, same connection count.
 *
 * A throwaway cluster (initdb in a temp dir, fsync off) is filled by `pgbench -i` and pinned to CPU 0;
 * each generator runs alone on CPU 1 with CLIENTS connections, interleaved per round. The mix, in both tools:
 *   9 x  SELECT abalance FROM pgbench_accounts WHERE aid = $1                     (random aid)
 *   1 x  SELECT aid, abalance FROM pgbench_accounts WHERE aid BETWEEN $1 AND $1 + 9
 * pgbench runs with -M prepared (Stampede prepares statements with parameters too) and one thread; Stampede
 * with --workers 1, constant-vus = CLIENTS and spec.postgres.pool = CLIENTS. Reported: median queries/s per
 * tool and the ratio Stampede / pgbench (bar: >= 0.5).
 *
 * Usage: node bench/pg-vs-pgbench.mjs          (env: RUNS=3 DURATION_S=10 CLIENTS=16 SCALE=10)
 * Needs `npm run build`, the postgresql package (apt-get install -y postgresql: initdb, pg_ctl, pgbench) and
 * taskset (util-linux); as root the server runs as the postgres user. Not part of `npm test`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, median, positiveInt } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'pg-vs-pgbench-latest.md');
const RUNS = positiveInt('RUNS', 3);
const DURATION_S = positiveInt('DURATION_S', 10);
const CLIENTS = positiveInt('CLIENTS', 16);
const SCALE = positiveInt('SCALE', 10);
const ACCOUNTS = SCALE * 100_000;
const TARGET_CPU = '0';
const GENERATOR_CPU = '1';
const BAR = 0.5;

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'pgbench')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length)
    fail(`no ${root}/*/bin/pgbench; install with: apt-get update && apt-get install -y postgresql`);
  return join(root, versions[0], 'bin');
}

function preflight() {
  if (spawnSync('sh', ['-c', 'command -v taskset']).status !== 0)
    fail('missing taskset; install with: apt-get install -y util-linux');
  if (availableParallelism() < 2) fail('needs at least 2 CPUs (PostgreSQL on CPU 0, generators on CPU 1)');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) fail('Stampede is not built; run: npm run build');
}

function freePort() {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.once('error', ko);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const asRoot = userInfo().uid === 0;
/** PostgreSQL's server binaries refuse root: run them as the postgres user then. */
function asOwner(cmd, args, options = {}) {
  const [c, a] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

async function startCluster(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'stampede-pgbench-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'bench', '--auth=trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=${CLIENTS * 2 + 10} -c shared_buffers=256MB`;
  // taskset pins pg_ctl, and the postmaster and every backend inherit CPU 0.
  const ctl = asRoot ? 'runuser' : 'taskset';
  const ctlArgs = [
    '-c',
    TARGET_CPU,
    join(bin, 'pg_ctl'),
    '-D',
    data,
    '-o',
    options,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
  ];
  execFileSync(ctl, asRoot ? ['-u', 'postgres', '--', 'taskset', ...ctlArgs] : ctlArgs, { stdio: 'ignore' });
  return {
    port,
    url: `postgres://bench@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Runs a command under bash's `time`, so each tool's own CPU (user + system, children included) is measured
 * the same way. Returns stdout and the CPU seconds.
 */
function timed(cmd, args, options = {}) {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="CPU %U %S"; time "$@"', 'bash', cmd, ...args], {
    encoding: 'utf8',
    ...options,
  });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const m = /CPU ([0-9.]+) ([0-9.]+)\s*$/.exec(r.stderr);
  if (!m) fail(`no CPU time from bash's time:\n${r.stderr}`);
  return { stdout: r.stdout, cpuSeconds: Number(m[1]) + Number(m[2]) };
}

function runPgbench(bin, port, scriptsDir) {
  const args = [
    '-c',
    GENERATOR_CPU,
    join(bin, 'pgbench'),
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'bench',
    '-n',
    '-M',
    'prepared',
    '-c',
    String(CLIENTS),
    '-j',
    '1',
    '-T',
    String(DURATION_S),
    '-f',
    `${join(scriptsDir, 'point.sql')}@9`,
    '-f',
    `${join(scriptsDir, 'range.sql')}@1`,
    'postgres',
  ];
  const { stdout, cpuSeconds } = timed('taskset', args);
  const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(stdout);
  const count = /number of transactions actually processed: ([0-9]+)/.exec(stdout);
  if (!tps || !count) fail(`cannot read pgbench output:\n${stdout}`);
  return { qps: Number(tps[1]), cpuMsPer1k: (cpuSeconds * 1e6) / Number(count[1]) };
}

function runStampede(manifest, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const { cpuSeconds } = timed(
    'taskset',
    [
      '-c',
      GENERATOR_CPU,
      process.execPath,
      'bin/stampede.js',
      'run',
      manifest,
      '--workers',
      '1',
      '--quiet',
      '--out',
      outDir,
    ],
    { cwd: ROOT, timeout: (DURATION_S + 60) * 1000 },
  );
  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  if (summary.totals.failures)
    fail(`stampede saw ${summary.totals.failures} failures: ${JSON.stringify(summary.errors.byClass)}`);
  return {
    qps: summary.totals.rps,
    // Whole process, start-up included: slightly against Stampede on short runs.
    cpuMsPer1k: (cpuSeconds * 1e6) / summary.totals.requests,
    cpu: summary.generator.meanCpuPercent,
    saturated: summary.generator.saturated,
  };
}

preflight();
const bin = binDir();
const work = mkdtempSync(join(tmpdir(), 'stampede-pgbench-work-'));
const cluster = await startCluster(bin);
try {
  execFileSync(
    join(bin, 'pgbench'),
    [
      '-i',
      '-q',
      '-s',
      String(SCALE),
      '-h',
      '127.0.0.1',
      '-p',
      String(cluster.port),
      '-U',
      'bench',
      'postgres',
    ],
    {
      stdio: 'ignore',
    },
  );
  writeFileSync(
    join(work, 'point.sql'),
    `\\set aid random(1, ${ACCOUNTS})\nSELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n`,
  );
  writeFileSync(
    join(work, 'range.sql'),
    `\\set aid random(1, ${ACCOUNTS - 9})\nSELECT aid, abalance FROM pgbench_accounts WHERE aid BETWEEN :aid AND :aid + 9;\n`,
  );
  const manifest = join(work, 'mix.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'pg-read-mix' },
      spec: {
        target: { baseURL: 'http://127.0.0.1:9' },
        postgres: { url: cluster.url, pool: CLIENTS },
        scenarios: {
          mix: {
            executor: 'constant-vus',
            vus: CLIENTS,
            duration: `${DURATION_S}s`,
            flow: [
              {
                choice: [
                  {
                    weight: 9,
                    steps: [
                      {
                        name: 'point',
                        pg: {
                          query: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
                          params: [`\${randomInt(1, ${ACCOUNTS})}`],
                        },
                      },
                    ],
                  },
                  {
                    weight: 1,
                    steps: [
                      {
                        name: 'range',
                        pg: {
                          query: 'SELECT aid, abalance FROM pgbench_accounts WHERE aid BETWEEN $1 AND $1 + 9',
                          params: [`\${randomInt(1, ${ACCOUNTS - 9})}`],
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
      },
    }),
  );
  const results = { stampede: [], pgbench: [], stampedeCpu: [], pgbenchCpu: [] };
  const notes = [];
  for (let round = 1; round <= RUNS; round++) {
    const s = runStampede(manifest, join(work, `out-${round}`));
    results.stampede.push(s.qps);
    results.stampedeCpu.push(s.cpuMsPer1k);
    if (s.saturated) notes.push(`round ${round}: Stampede reported its generator saturated (CPU ${s.cpu}%)`);
    const p = runPgbench(bin, cluster.port, work);
    results.pgbench.push(p.qps);
    results.pgbenchCpu.push(p.cpuMsPer1k);
    console.error(
      `round ${round}/${RUNS}: stampede ${s.qps.toFixed(0)} q/s, pgbench ${p.qps.toFixed(0)} q/s`,
    );
  }
  const ms = median(results.stampede);
  const mp = median(results.pgbench);
  const ratio = ms / mp;
  const text = [
    '# PostgreSQL read mix: Stampede vs pgbench',
    '',
    `Command: \`RUNS=${RUNS} DURATION_S=${DURATION_S} CLIENTS=${CLIENTS} SCALE=${SCALE} node bench/pg-vs-pgbench.mjs\``,
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim()}`,
    `PostgreSQL on CPU ${TARGET_CPU}, each generator alone on CPU ${GENERATOR_CPU}; ${CLIENTS} connections; 9:1 point/range reads on pgbench_accounts (scale ${SCALE}); pgbench -M prepared -j 1.`,
    '',
    '| tool | median queries/s | runs | generator CPU per 1,000 queries (median) |',
    '|---|---:|---|---:|',
    `| Stampede (--workers 1) | ${ms.toFixed(0)} | ${results.stampede.map((x) => x.toFixed(0)).join(', ')} | ${median(results.stampedeCpu).toFixed(1)} ms |`,
    `| pgbench | ${mp.toFixed(0)} | ${results.pgbench.map((x) => x.toFixed(0)).join(', ')} | ${median(results.pgbenchCpu).toFixed(1)} ms |`,
    '',
    `Ratio Stampede / pgbench: ${ratio.toFixed(2)}x against a bar of ${BAR}x: ${ratio >= BAR ? 'PASS' : 'FAIL'}`,
    'With one server core the server is the limit for both tools; the CPU column shows what each generator spends per query.',
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
  console.log(text);
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, text);
  process.exitCode = ratio >= BAR ? 0 : 1;
} finally {
  cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
