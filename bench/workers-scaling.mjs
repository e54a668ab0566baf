#!/usr/bin/env node
/**
 * How `--workers 2` scales on this machine: Stampede's single GET against nginx on loopback with one and two
 * worker threads, in two layouts:
 *   split   nginx (1 worker process) on CPU 0, Stampede on CPU 1: two threads can only share one core, so
 *           this shows what a second thread costs, not what it gains;
 *   shared  nginx (2 worker processes) and Stampede both free to use CPUs 0 and 1: the generator's second
 *           thread competes with the target for the same two cores.
 * wrk -t1 and -t2 in the shared layout show what the machine allows a much cheaper generator.
 * A true scaling figure needs the target on other cores than the generator's (a machine with 4+ cores, or
 * the target on another host); on 2 cores it cannot be had, and the section says so.
 *
 * Usage: node bench/workers-scaling.mjs   (env: RUNS=3, DURATION_S=10)
 * Writes its section of docs/benchmarks.md. Not part of `npm test`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_DOC,
  childCpuSeconds,
  cores,
  cpuTimed,
  fail,
  freePort,
  hasCommand,
  machineLines,
  median,
  positiveInt,
  ROOT,
  replaceSection,
  run,
  running,
} from './lib.mjs';
import { startNginx, stopNginx } from './nginx.mjs';

const RUNS = positiveInt('RUNS', 3);
const DURATION_S = positiveInt('DURATION_S', 10);
const CONNECTIONS = 50;
const RUN_TIMEOUT_MS = (DURATION_S + 30) * 1000;

const LAYOUTS = {
  split: { nginxCpu: '0', nginxWorkers: 1, generatorCpu: '1' },
  shared: { nginxCpu: '0,1', nginxWorkers: 2, generatorCpu: '0,1' },
};

/** [layout, label, argv builder, parser] in the order they run each round. */
const CASES = [
  ['split', 'stampede --workers 1', (c) => stampedeArgv(c, 1), parseStampede],
  ['split', 'stampede --workers 2', (c) => stampedeArgv(c, 2), parseStampede],
  ['shared', 'stampede --workers 1', (c) => stampedeArgv(c, 1), parseStampede],
  ['shared', 'stampede --workers 2', (c) => stampedeArgv(c, 2), parseStampede],
  ['shared', 'wrk -t1', (c) => ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, c.url], parseWrk],
  ['shared', 'wrk -t2', (c) => ['wrk', '-t2', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, c.url], parseWrk],
];

function manifest(baseURL) {
  return `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata:
  name: bench-workers
spec:
  target:
    baseURL: ${baseURL}
    connections: ${CONNECTIONS}
  scenarios:
    get:
      executor: constant-vus
      vus: ${CONNECTIONS}
      duration: ${DURATION_S}s
      flow:
        - name: get
          request: { url: /api/data }
`;
}

const stampedeArgv = (c, workers) => [
  'node',
  'bin/stampede.js',
  'run',
  c.manifest,
  '--workers',
  String(workers),
  '--quiet',
  '--out',
  c.outDir,
];

function parseStampede(_stdout, c) {
  const s = JSON.parse(readFileSync(join(c.outDir, 'summary.json'), 'utf8'));
  return { rps: s.totals.rps, errors: s.totals.failures };
}

function parseWrk(stdout) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`cannot parse wrk output:\n${stdout}`);
  return { rps, errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0) };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

function report(results) {
  const med = (key) => median(results[key].map((r) => r.rps));
  const rows = CASES.map(([layout, label]) => {
    const key = `${layout}/${label}`;
    const base = label.startsWith('stampede') ? `${layout}/stampede --workers 1` : `${layout}/wrk -t1`;
    const errors = results[key].reduce((n, r) => n + r.errors, 0);
    const cpu = median(results[key].map((r) => r.cpuSeconds));
    return `| ${layout} | ${label} | ${fmt(med(key))} | ${results[key].map((r) => fmt(r.rps)).join(', ')} | ${errors} | ${(med(key) / med(base)).toFixed(2)} | ${cpu.toFixed(1)} (${((100 * cpu) / DURATION_S).toFixed(0)}% of one core) |`;
  });
  return [
    `Written ${new Date().toISOString()} by:`,
    '',
    '```sh',
    `RUNS=${RUNS} DURATION_S=${DURATION_S} node bench/workers-scaling.mjs`,
    '```',
    '',
    ...machineLines(),
    `- GET /api/data from nginx on loopback, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} round(s).`,
    '- split: nginx (1 worker) on CPU 0, generator on CPU 1. shared: nginx (2 workers) and generator both on CPUs 0-1.',
    '',
    '| layout | generator | median req/s | runs | errors | vs 1 thread | generator CPU seconds, median |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: |',
    ...rows,
  ];
}

async function main() {
  for (const c of ['nginx', 'wrk', 'taskset'])
    if (!hasCommand(c)) fail(`missing ${c}; apt-get install -y nginx wrk util-linux`);
  if (cores() < 2) fail('needs at least 2 CPUs');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) fail('Stampede is not built; run: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'stampede-workers-'));
  let nginx;
  const onSignal = () => {
    running.child?.kill('SIGKILL');
    stopNginx(nginx?.child).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = Object.fromEntries(CASES.map(([layout, label]) => [`${layout}/${label}`, []]));
  try {
    for (let round = 1; round <= RUNS; round++) {
      for (const [layoutName, layout] of Object.entries(LAYOUTS)) {
        const nginxDir = join(dir, `nginx-${layoutName}`);
        rmSync(nginxDir, { recursive: true, force: true });
        mkdirSync(nginxDir);
        const port = await freePort();
        nginx = await startNginx(nginxDir, port, {
          cpu: layout.nginxCpu,
          workerProcesses: layout.nginxWorkers,
        });
        const c = {
          url: `${nginx.origin}/api/data`,
          manifest: join(dir, 'workers.yaml'),
          outDir: join(dir, 'out'),
        };
        writeFileSync(c.manifest, manifest(nginx.origin));
        for (const [layoutOf, label, argvOf, parse] of CASES) {
          if (layoutOf !== layoutName) continue;
          rmSync(c.outDir, { recursive: true, force: true });
          const argv = ['taskset', '-c', layout.generatorCpu, ...cpuTimed(argvOf(c))];
          const { stdout, stderr } = await run(argv[0], argv.slice(1), {
            cwd: ROOT,
            timeoutMs: RUN_TIMEOUT_MS,
          });
          const r = { ...parse(stdout, c), cpuSeconds: childCpuSeconds(stderr) };
          results[`${layoutName}/${label}`].push(r);
          console.log(
            `round ${round} ${layoutName.padEnd(6)} ${label.padEnd(22)} ${fmt(r.rps).padStart(9)} req/s  cpu ${r.cpuSeconds.toFixed(1)} s  errors ${r.errors}`,
          );
        }
        await stopNginx(nginx.child);
        nginx = undefined;
      }
    }
    const md = report(results);
    console.log(`\n${md.join('\n')}`);
    replaceSection(BENCH_DOC, 'workers', md.join('\n'));
    console.log(`\nwrote ${BENCH_DOC}`);
  } finally {
    await stopNginx(nginx?.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
});
