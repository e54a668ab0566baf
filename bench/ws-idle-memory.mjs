#!/usr/bin/env node
/**
 * Memory to hold N idle WebSocket sessions (default 10,000) in one Stampede process.
 *
 * A separate process runs a plain `ws` server that accepts and never writes, so only the generator is
 * measured. The generator is Stampede's own shard engine (dist/), one thread: a ramping-vus scenario whose
 * VUs each hold one `ws` session (`session: { duration: 10m }`), so every session costs what it costs in a
 * real run: its VU, iteration, exchange, ws client, socket and timer. Memory is taken after a forced GC,
 * once before the run starts and once when every session is open and the process has settled.
 * The bar: at most 25 KB of RSS per session over the baseline.
 *
 * Usage: node bench/ws-idle-memory.mjs            (env: SESSIONS=10000 RAMP_S=10)
 * Needs `npm run build`. Opens 2 file descriptors per session (client and server side, in two processes):
 * the script re-executes itself under `ulimit -n` raised to what it needs (up to the hard limit; if the hard
 * limit is too low, raise it first, e.g. `ulimit -Hn 65536` as root). Not part of `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, positiveInt } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'ws-idle-memory-latest.md');
const SESSIONS = positiveInt('SESSIONS', 10_000);
const RAMP_S = positiveInt('RAMP_S', 10);
const BAR_BYTES_PER_SESSION = 25 * 1024;
/** Descriptors beyond the sessions: stdio, the event loop, libuv's pipes, node's own files. */
const FD_SLACK = 1024;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Node cannot raise its own descriptor limit: re-execute under a shell that does, with --expose-gc.
if (!process.env.STAMPEDE_WS_BENCH_CHILD) {
  if (!existsSync(join(ROOT, 'dist', 'engine', 'shard-runner.js')))
    fail('Stampede is not built; run: npm run build');
  const need = SESSIONS + FD_SLACK;
  const script = `cur=$(ulimit -n); if [ "$cur" != unlimited ] && [ "$cur" -lt ${need} ]; then ulimit -n ${need} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi; exec "$0" --expose-gc "$1"`;
  const r = spawnSync('sh', ['-c', script, process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    cwd: ROOT,
    env: { ...process.env, STAMPEDE_WS_BENCH_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}

const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
if (fdLimit < SESSIONS + FD_SLACK) {
  fail(
    `the descriptor limit is ${fdLimit}, below ${SESSIONS + FD_SLACK}; raise the hard limit (ulimit -Hn) first`,
  );
}

/** The idle server: accepts upgrades, never writes; prints its port and, on request, its open count. */
const SERVER = `
import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, backlog: 8192 });
wss.on('connection', (ws) => ws.on('error', () => {}));
wss.on('listening', () => console.log('port ' + wss.address().port));
process.stdin.on('data', () => console.log('open ' + wss.clients.size));
`;

function startServer() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let buffered = '';
  const waiters = [];
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiters.shift()?.(line);
      nl = buffered.indexOf('\n');
    }
  });
  const nextLine = () => new Promise((r) => waiters.push(r));
  return {
    child,
    port: nextLine().then((line) => Number(line.split(' ')[1])),
    async open() {
      const line = nextLine();
      child.stdin.write('\n');
      return Number((await line).split(' ')[1]);
    },
  };
}

function settledMemory() {
  global.gc();
  global.gc();
  return process.memoryUsage();
}

const server = startServer();
const port = await server.port;
const { validateLoadTest } = await import(join(ROOT, 'dist', 'api', 'validate.js'));
const { ShardRunner } = await import(join(ROOT, 'dist', 'engine', 'shard-runner.js'));
const validated = validateLoadTest({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'ws-idle-memory' },
  spec: {
    target: { baseURL: `http://127.0.0.1:${port}` },
    scenarios: {
      idle: {
        executor: 'ramping-vus',
        stages: [
          { duration: `${RAMP_S}s`, target: SESSIONS },
          { duration: '10m', target: SESSIONS },
        ],
        gracefulStop: '1s',
        gracefulRampDown: '1s',
        flow: [{ name: 'idle', ws: { url: '/idle', session: { duration: '10m' }, connectTimeout: '30s' } }],
      },
    },
  },
});
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
let step;
for (;;) {
  await sleep(500);
  step = runner.snapshot().steps.find((s) => s.step === 'idle');
  if (step?.failures) fail(`sessions failed: ${JSON.stringify(step.errors)}`);
  if ((step?.ws?.sessions ?? 0) >= SESSIONS) break;
  if (Date.now() - started > (RAMP_S + 120) * 1000) fail(`only ${step?.ws?.sessions ?? 0} sessions opened`);
}
const openSeconds = (Date.now() - started) / 1000;
await sleep(3000); // let handshake buffers and timers settle
const after = settledMemory();
const serverOpen = await server.open();
runner.stop();
await finished;
server.child.kill();

const delta = (k) => after[k] - before[k];
const perSession = (k) => delta(k) / SESSIONS;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const passed = perSession('rss') <= BAR_BYTES_PER_SESSION;
const lines = [
  '# WebSocket idle-session memory',
  '',
  `Command: \`SESSIONS=${SESSIONS} RAMP_S=${RAMP_S} node bench/ws-idle-memory.mjs\``,
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} RAM, Node ${process.version}, fd limit ${fdLimit}`,
  `Sessions open: ${step.ws.sessions} (server saw ${serverOpen}) after ${openSeconds.toFixed(1)}s`,
  '',
  '| | before | with sessions | delta | per session |',
  '|---|---:|---:|---:|---:|',
  ...['rss', 'heapUsed', 'external', 'arrayBuffers'].map(
    (k) => `| ${k} | ${mb(before[k])} | ${mb(after[k])} | ${mb(delta(k))} | ${kb(perSession(k))} |`,
  ),
  '',
  `RSS per session ${kb(perSession('rss'))} against a bar of ${kb(BAR_BYTES_PER_SESSION)}: ${passed ? 'PASS' : 'FAIL'}`,
  '',
];
const text = lines.join('\n');
console.log(text);
mkdirSync(dirname(RESULTS_FILE), { recursive: true });
writeFileSync(RESULTS_FILE, text);
process.exit(passed ? 0 : 1);
