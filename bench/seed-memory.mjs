#!/usr/bin/env node
/**
 * Memory to hold N VUs (default 10,000) of the seed session in one Stampede process, held by think time.
 *
 * The target is the demo target (`stampede demo-target`, real login tokens and a session cookie per VU) in
 * its own process on CPU 0. The generator is Stampede's shard engine (dist/), one thread, on CPU 1, running
 * examples/quickstart.yaml's flow: login (extract the token, check), five page views with the token (check
 * status and JSON) each followed by 10-20 s of think time, and a transaction (check). VUs ramp up over
 * RAMP_S; memory is taken after a forced GC once before the run (the idle baseline of the same process)
 * and once every VU has started and the process has settled, when almost every VU is asleep in think time.
 *
 * Two connection settings, each in a fresh process:
 *   lanes  target.connections unset: the default is one connection per VU, so every VU holds its own socket;
 *   pool   target.connections: 50, VUs share an undici Pool of 50 sockets.
 * The bar: at most 30 KB of RSS per VU over the baseline.
 *
 * Usage: node bench/seed-memory.mjs   (env: VUS=10000 RAMP_S=10 SETTLE_S=3 MODES=lanes,pool HEAPSNAPSHOT=1)
 * HEAPSNAPSHOT=1 also writes a V8 heap snapshot of each mode at the measurement into the temp dir it names.
 * Opens a descriptor per VU in both processes: re-executes itself under `ulimit -n` raised to what it needs.
 * Writes its section of docs/benchmarks.md. Not part of `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { BENCH_DOC, fail, machineLines, positiveInt, ROOT, replaceSection } from './lib.mjs';

const VUS = positiveInt('VUS', 10_000);
const RAMP_S = positiveInt('RAMP_S', 10);
const SETTLE_S = positiveInt('SETTLE_S', 3);
const MODES = (process.env.MODES || 'lanes,pool').split(',');
const POOL_CONNECTIONS = 50;
const BAR_BYTES_PER_VU = 30 * 1024;
/** Descriptors beyond the VUs: stdio, the event loop, libuv's pipes, node's own files. */
const FD_SLACK = 1024;
const TARGET_CPU = '0';
const GENERATOR_CPU = '1';
const SELF = fileURLToPath(import.meta.url);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

for (const m of MODES)
  if (!['lanes', 'pool'].includes(m)) fail(`MODES: unknown "${m}"; allowed: lanes, pool`);

/** The seed session (examples/quickstart.yaml's flow) with think times long enough to hold every VU. */
function manifest(origin, mode) {
  const auth = { authorization: 'Bearer ${vars.token}' };
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: `seed-memory-${mode}` },
    spec: {
      target: {
        baseURL: origin,
        timeout: '30s',
        ...(mode === 'pool' ? { connections: POOL_CONNECTIONS } : {}),
      },
      scenarios: {
        shoppers: {
          executor: 'ramping-vus',
          stages: [
            { duration: `${RAMP_S}s`, target: VUS },
            { duration: '10m', target: VUS },
          ],
          gracefulStop: '1s',
          gracefulRampDown: '1s',
          flow: [
            {
              name: 'login',
              request: {
                method: 'POST',
                url: '/api/login',
                json: { username: 'user-${vu}', password: 'demo' },
              },
              extract: { token: { json: '$.token' } },
              check: { status: 200 },
            },
            {
              repeat: 5,
              steps: [
                {
                  name: 'browse',
                  request: { url: '/api/data', headers: auth },
                  check: { status: 200, json: [{ path: '$.total', equals: 20 }] },
                  think: { uniform: { min: '10s', max: '20s' } },
                },
              ],
            },
            {
              name: 'transaction',
              request: {
                method: 'POST',
                url: '/api/transaction',
                headers: auth,
                json: { amount: '${randomInt(1, 100)}' },
              },
              check: { status: 201 },
            },
          ],
        },
      },
    },
  };
}

// --- the measuring child: one mode, one fresh process ---------------------------------------------------

function settledMemory() {
  global.gc();
  global.gc();
  return process.memoryUsage();
}

async function measure(origin, mode) {
  const { validateLoadTest } = await import(join(ROOT, 'dist', 'api', 'validate.js'));
  const { ShardRunner } = await import(join(ROOT, 'dist', 'engine', 'shard-runner.js'));
  const validated = validateLoadTest(manifest(origin, mode));
  if (!validated.ok) fail(`bench manifest invalid: ${JSON.stringify(validated.problems)}`);
  const runner = new ShardRunner({
    loadTest: validated.loadTest,
    shard: { index: 0, total: 1 },
    baseDir: ROOT,
    env: {},
    threads: 1,
  });
  await sleep(500);
  const before = settledMemory();
  const started = Date.now();
  const finished = runner.run(Date.now());
  let snap;
  for (;;) {
    await sleep(250);
    snap = runner.snapshot();
    if ((snap.scenarios[0]?.activeVUs ?? 0) >= VUS) break;
    if (Date.now() - started > (RAMP_S + 60) * 1000) fail(`only ${snap.scenarios[0]?.activeVUs} VUs started`);
  }
  const allStartedS = (Date.now() - started) / 1000;
  await sleep(SETTLE_S * 1000);
  const after = settledMemory();
  snap = runner.snapshot();
  const heapSnapshot = process.env.HEAPSNAPSHOT
    ? writeHeapSnapshot(join(process.env.SNAPSHOT_DIR, `seed-memory-${mode}.heapsnapshot`))
    : undefined;
  runner.stop();
  await finished;
  const steps = Object.fromEntries(
    snap.steps.map((s) => [s.step, { requests: s.requests, failures: s.failures }]),
  );
  return { mode, before, after, allStartedS, steps, activeVUs: snap.scenarios[0]?.activeVUs, heapSnapshot };
}

if (process.env.SEED_MEMORY_MODE) {
  const result = await measure(process.env.SEED_MEMORY_ORIGIN, process.env.SEED_MEMORY_MODE);
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

// --- the parent: raise the descriptor limit, start the target, run each mode, report ------------------

if (!process.env.SEED_MEMORY_RAISED) {
  if (!existsSync(join(ROOT, 'dist', 'engine', 'shard-runner.js')))
    fail('Stampede is not built; run: npm run build');
  const need = VUS + FD_SLACK;
  // Node cannot raise its own descriptor limit: re-execute under a shell that does.
  const script = `cur=$(ulimit -n); if [ "$cur" != unlimited ] && [ "$cur" -lt ${need} ]; then ulimit -n ${need} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi; exec "$0" "$1"`;
  const r = spawnSync('sh', ['-c', script, process.execPath, SELF], {
    stdio: 'inherit',
    cwd: ROOT,
    env: { ...process.env, SEED_MEMORY_RAISED: '1' },
  });
  process.exit(r.status ?? 1);
}

const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
if (fdLimit < VUS + FD_SLACK) {
  fail(
    `the descriptor limit is ${fdLimit}, below ${VUS + FD_SLACK}; raise the hard limit (ulimit -Hn) first`,
  );
}

/** The demo target, no injected latency, pinned to the target CPU; resolves with its origin. */
function startTarget() {
  const child = spawn(
    'taskset',
    [
      '-c',
      TARGET_CPU,
      process.execPath,
      'bin/stampede.js',
      'demo-target',
      '--port',
      '0',
      '--latency',
      '0ms',
      '--jitter',
      '0ms',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const origin = new Promise((ok, ko) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => ko(new Error(`demo target exited ${code}`)));
  });
  return { child, origin };
}

function runMode(origin, mode, snapshotDir) {
  const r = spawnSync('taskset', ['-c', GENERATOR_CPU, process.execPath, '--expose-gc', SELF], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: (RAMP_S + SETTLE_S + 120) * 1000,
    env: { ...process.env, SEED_MEMORY_MODE: mode, SEED_MEMORY_ORIGIN: origin, SNAPSHOT_DIR: snapshotDir },
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) fail(`${mode}: the measuring process failed (exit ${r.status ?? r.signal})\n${r.stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

function report(results) {
  const rows = results.flatMap((r) => {
    const delta = (k) => r.after[k] - r.before[k];
    return ['rss', 'heapUsed', 'external', 'arrayBuffers'].map(
      (k) =>
        `| ${r.mode} | ${k} | ${mb(r.before[k])} | ${mb(r.after[k])} | ${mb(delta(k))} | ${kb(delta(k) / VUS)} |`,
    );
  });
  const verdicts = results.map((r) => {
    const perVu = (r.after.rss - r.before.rss) / VUS;
    const requests = Object.entries(r.steps)
      .map(([s, v]) => `${s} ${v.requests} (${v.failures} failed)`)
      .join(', ');
    return `- ${r.mode}: RSS ${kb(perVu)} per VU against a bar of ${kb(BAR_BYTES_PER_VU)}: **${perVu <= BAR_BYTES_PER_VU ? 'met' : 'not met'}**; heapUsed ${kb((r.after.heapUsed - r.before.heapUsed) / VUS)} per VU. All ${r.activeVUs} VUs started after ${r.allStartedS.toFixed(1)} s; requests by then: ${requests}.${r.heapSnapshot ? ` Heap snapshot: ${r.heapSnapshot}.` : ''}`;
  });
  return [
    `Written ${new Date().toISOString()} by:`,
    '',
    '```sh',
    `VUS=${VUS} RAMP_S=${RAMP_S} SETTLE_S=${SETTLE_S} node bench/seed-memory.mjs`,
    '```',
    '',
    ...machineLines(),
    `- Node ${process.version}, descriptor limit ${fdLimit}`,
    `- lanes: \`target.connections\` unset, one socket per VU (${VUS} sockets); pool: \`target.connections: ${POOL_CONNECTIONS}\`, VUs share ${POOL_CONNECTIONS} sockets`,
    '',
    '| mode | measure | idle baseline | VUs in think time | delta | per VU |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...verdicts,
  ];
}

const target = startTarget();
try {
  const origin = await target.origin;
  // Only a heap snapshot needs a place to go; it stays there for bench/heap-summary.mjs to read.
  const snapshotDir = process.env.HEAPSNAPSHOT ? mkdtempSync(join(tmpdir(), 'stampede-seed-memory-')) : '';
  console.log(`demo target on ${origin} (CPU ${TARGET_CPU}); ${VUS} VUs per mode on CPU ${GENERATOR_CPU}`);
  const results = [];
  for (const mode of MODES) {
    const r = runMode(origin, mode, snapshotDir);
    console.log(
      `${mode}: rss +${mb(r.after.rss - r.before.rss)}, heapUsed +${mb(r.after.heapUsed - r.before.heapUsed)}`,
    );
    results.push(r);
  }
  const md = report(results);
  console.log(`\n${md.join('\n')}`);
  replaceSection(BENCH_DOC, 'seed-memory', md.join('\n'));
  console.log(`\nwrote ${BENCH_DOC}`);
} finally {
  target.child.kill();
}
