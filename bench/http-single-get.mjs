#!/usr/bin/env node
/**
 * Single-GET throughput: Stampede vs autocannon vs wrk against the same nginx, side by side.
 *
 * nginx answers from config (no disk, no upstream) on CPU 0 and every generator runs alone on CPU 1,
 * so the numbers compare the generators' own per-core cost rather than the target's.
 * Tools are interleaved per round so drift on the machine (thermal, noisy neighbours) hits all of them alike.
 *
 * Usage: node bench/http-single-get.mjs   (env: RUNS=3, DURATION_S=10)
 * Not part of `npm test`: it needs nginx, wrk and taskset, and takes minutes.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, median, positiveInt } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'single-get-latest.md');
/** Relative to ROOT (every command runs there), so the recorded command reads the same on any machine. */
const AUTOCANNON_CLI = 'node_modules/autocannon/autocannon.js';

const RUNS = positiveInt('RUNS', 3);
const DURATION_S = positiveInt('DURATION_S', 10);
const CONNECTIONS = 50;
const TARGET_CPU = '0';
const GENERATOR_CPU = '1';
/** Slack on top of the run duration before a generator is killed: startup, graceful stop, report writing. */
const RUN_TIMEOUT_MS = (DURATION_S + 30) * 1000;

const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  name: `item-${i + 1}`,
  price: (i + 1) * 3.5,
}));
/** Same bodies as the demo target (src/demo/server.ts), so the bytes on the wire match the seed's API. */
const DATA_BODY = JSON.stringify({ items: ITEMS, total: ITEMS.length });

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fail before starting anything, with the fix spelled out, rather than half-way through a round. */
function preflight() {
  const missing = ['nginx', 'wrk', 'taskset'].filter((c) => !hasCommand(c));
  if (missing.length > 0) {
    fail(
      `missing ${missing.join(', ')}; install with: apt-get update && apt-get install -y nginx wrk util-linux`,
    );
  }
  if (availableParallelism() < 2) fail('needs at least 2 CPUs (nginx on CPU 0, generators on CPU 1)');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) fail('Stampede is not built; run: npm run build');
  if (!existsSync(join(ROOT, AUTOCANNON_CLI))) fail('autocannon is not installed; run: npm install');
}

/** Ask the kernel for a free loopback port; the tiny race until nginx binds it is acceptable for a bench. */
function freePort() {
  return new Promise((ok, ko) => {
    const srv = createServer();
    srv.once('error', ko);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The generator running now, so a signal can end it rather than leave it loading a dead target. */
let current;

/** Run a command to completion with a hard time limit; resolves with its output, rejects on failure. */
function run(cmd, args, { timeoutMs = RUN_TIMEOUT_MS } = {}) {
  return new Promise((ok, ko) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      ko(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) ok({ stdout, stderr });
      else ko(new Error(`${cmd} ${args.join(' ')} exited ${signal ?? code}\n${stderr.slice(-2000)}`));
    });
  });
}

// --- the target ----------------------------------------------------------------------------------------

function nginxConfig(dir, port) {
  // Temp paths point into our dir so nginx never touches /var/lib/nginx or the system service's files.
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location = /api/data { return 200 '${DATA_BODY}'; }
    location = /api/login { return 200 '{"token":"abc"}'; }
    location = /api/transaction { return 201 '{"id":1,"status":"ok"}'; }
  }
}
`;
}

/** Start nginx in the foreground (daemon off) as our child, pinned to the target CPU. */
async function startNginx(dir, port) {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port));
  const args = ['-c', TARGET_CPU, 'nginx', '-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  execFileSync('taskset', [...args, '-t'], { stdio: 'pipe' }); // config errors surface here, readably
  const child = spawn('taskset', [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}/api/data`;
  try {
    await waitForAnswer(url, () => exited, dir);
  } catch (e) {
    child.kill('SIGKILL'); // the caller never gets the child, so it cannot stop it
    throw e;
  }
  return { child, url };
}

/** Poll until nginx serves the expected body: a wrong body would make every number meaningless. */
async function waitForAnswer(url, hasExited, dir) {
  for (let i = 0; i < 50; i++) {
    if (hasExited()) throw new Error(`nginx exited early; see ${dir}/error.log`);
    let res;
    try {
      res = await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 100)); // not listening yet
      continue;
    }
    const body = await res.text();
    if (res.status === 200 && body === DATA_BODY) return;
    throw new Error(`nginx answered ${res.status}: ${body.slice(0, 200)}`);
  }
  throw new Error('nginx did not answer within 5 s');
}

/** SIGQUIT lets nginx close gracefully; SIGKILL after a second so the bench never leaves it behind. */
function stopNginx(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGQUIT');
  });
}

// --- the generators: each returns { rps, requests, seconds, errors, extra } ---------------------------

function stampedeManifest(baseURL) {
  return `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata:
  name: bench-single-get
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

const TOOLS = {
  stampede: {
    // --workers 1 keeps the load in the main thread: one core, like the other two.
    command: (_url, ctx) => [
      'node',
      'bin/stampede.js',
      'run',
      ctx.manifest,
      '--workers',
      '1',
      '--quiet',
      '--out',
      ctx.outDir,
    ],
    parse: (_stdout, ctx) => {
      const s = JSON.parse(readFileSync(join(ctx.outDir, 'summary.json'), 'utf8'));
      return {
        rps: s.totals.rps,
        requests: s.totals.requests,
        seconds: s.durationSeconds,
        errors: s.totals.failures,
        extra: `mean latency ${s.latency.meanMs} ms; cpu max ${s.generator.maxCpuPercent}% mean ${s.generator.meanCpuPercent}%`,
      };
    },
  },
  autocannon: {
    command: (url) => [
      'node',
      AUTOCANNON_CLI,
      '-c',
      String(CONNECTIONS),
      '-d',
      String(DURATION_S),
      '-j',
      url,
    ],
    parse: (stdout) => {
      const r = JSON.parse(stdout);
      // total / duration rather than requests.average: the same definition Stampede's totals.rps uses.
      return {
        rps: r.requests.total / r.duration,
        requests: r.requests.total,
        seconds: r.duration,
        errors: r.errors + r.timeouts + r.non2xx,
        extra: `mean latency ${r.latency.average} ms; requests.average ${r.requests.average}`,
      };
    },
  },
  wrk: {
    command: (url) => ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, url],
    parse: (stdout) => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      if (!Number.isFinite(rps)) throw new Error(`cannot parse wrk output:\n${stdout}`);
      const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
        stdout,
      );
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      return {
        rps,
        requests: Number(total?.[1]),
        seconds: total ? Number(total[2]) / (total[3] === 'ms' ? 1000 : 1) : DURATION_S,
        errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0),
        extra: `mean latency ${wrkMs(/Latency\s+([\d.]+)(us|ms|s)/.exec(stdout))} ms`,
      };
    },
  },
};

/** wrk prints latency with a unit suffix (us, ms, s); bring it to ms like the others. */
function wrkMs(match) {
  if (!match) return '?';
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Math.round(Number(match[1]) * scale * 1000) / 1000;
}

/** Every generator runs as `taskset -c 1 <command>` so it gets exactly one core, never nginx's. */
function pinned(argv) {
  return ['taskset', '-c', GENERATOR_CPU, ...argv];
}

async function runTool(name, url, ctx) {
  const tool = TOOLS[name];
  const argv = pinned(tool.command(url, ctx));
  const { stdout } = await run(argv[0], argv.slice(1));
  return tool.parse(stdout, ctx);
}

// --- reporting -----------------------------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString('en-US');

function tables(results) {
  const med = Object.fromEntries(Object.entries(results).map(([t, rs]) => [t, median(rs.map((r) => r.rps))]));
  const summary = [
    // Best run too: on a shared VM, interference only ever lowers throughput, so the best is the least disturbed.
    '| tool | median req/s | best req/s | runs (req/s) |',
    '| --- | ---: | ---: | --- |',
    ...Object.entries(results).map(([t, rs]) => {
      const all = rs.map((r) => r.rps);
      return `| ${t} | ${fmt(med[t])} | ${fmt(Math.max(...all))} | ${all.map(fmt).join(', ')} |`;
    }),
    '',
    `stampede / autocannon = ${(med.stampede / med.autocannon).toFixed(2)}`,
    `stampede / wrk = ${(med.stampede / med.wrk).toFixed(2)}`,
  ];
  const runs = [
    '| round | tool | req/s | requests | seconds | errors | notes |',
    '| ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...Object.entries(results).flatMap(([t, rs]) =>
      rs.map(
        (r, i) =>
          `| ${i + 1} | ${t} | ${fmt(r.rps)} | ${r.requests} | ${r.seconds.toFixed(2)} | ${r.errors} | ${r.extra} |`,
      ),
    ),
  ];
  return { summary, runs };
}

/** First line a version flag prints: nginx -v and wrk -v write to stderr, and wrk -v exits non-zero. */
function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
}

function machineInfo() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const autocannon = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8'),
  );
  return [
    `- nproc: ${availableParallelism()}`,
    `- CPU: ${cpu}`,
    `- node: ${process.version}`,
    `- nginx: ${firstLine('nginx', ['-v'])}`,
    `- wrk: ${firstLine('wrk', ['-v'])}`,
    `- autocannon: ${autocannon.version}`,
  ];
}

function writeMarkdown({ summary, runs }, url, ctx) {
  const commands = Object.entries(TOOLS).map(
    ([t, tool]) => `${t}: ${pinned(tool.command(url, { manifest: 'M.yaml', outDir: 'OUT' })).join(' ')}`,
  );
  const md = [
    '# Single GET throughput: Stampede vs autocannon vs wrk',
    '',
    `Written ${new Date().toISOString()} by \`bench/http-single-get.mjs\`.`,
    '',
    `Target: nginx (\`worker_processes 1\`, \`return 200\` from config) on CPU ${TARGET_CPU}; each generator on CPU ${GENERATOR_CPU}.`,
    `Workload: GET ${url}, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} round(s), tools interleaved.`,
    '',
    '## Command',
    '',
    '```',
    `RUNS=${RUNS} DURATION_S=${DURATION_S} node bench/http-single-get.mjs`,
    '```',
    '',
    'Each round runs, in order (M.yaml is the generated manifest below):',
    '',
    '```',
    ...commands,
    '```',
    '',
    '```yaml',
    ctx.manifestText.trimEnd(),
    '```',
    '',
    '## Machine',
    '',
    ...machineInfo(),
    '',
    '## Results',
    '',
    ...summary,
    '',
    '## All runs',
    '',
    ...runs,
    '',
  ].join('\n');
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, md);
}

// --- main ----------------------------------------------------------------------------------------------

async function main() {
  preflight();
  const dir = mkdtempSync(join(tmpdir(), 'stampede-bench-'));
  let nginx;
  // Ctrl-C would otherwise exit without the finally below: stop nginx and remove the temp dir here too.
  const onSignal = () => {
    current?.kill('SIGKILL');
    stopNginx(nginx?.child).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const port = await freePort();
    nginx = await startNginx(dir, port);
    const ctx = {
      manifest: join(dir, 'single-get.yaml'),
      outDir: join(dir, 'stampede-out'),
      manifestText: stampedeManifest(`http://127.0.0.1:${port}`),
    };
    writeFileSync(ctx.manifest, ctx.manifestText);
    console.log(`nginx on ${nginx.url} (CPU ${TARGET_CPU}), generators on CPU ${GENERATOR_CPU}`);
    console.log(`${RUNS} round(s) of ${Object.keys(TOOLS).join(', ')}, ${DURATION_S} s each`);

    const results = Object.fromEntries(Object.keys(TOOLS).map((t) => [t, []]));
    for (let round = 1; round <= RUNS; round++) {
      for (const name of Object.keys(TOOLS)) {
        rmSync(ctx.outDir, { recursive: true, force: true }); // never read a previous run's summary
        const r = await runTool(name, nginx.url, ctx);
        results[name].push(r);
        console.log(
          `round ${round} ${name.padEnd(10)} ${fmt(r.rps).padStart(9)} req/s  errors ${r.errors}  ${r.extra}`,
        );
      }
    }

    const t = tables(results);
    console.log(`\n${t.summary.join('\n')}\n\n${t.runs.join('\n')}`);
    writeMarkdown(t, nginx.url, ctx);
    console.log(`\nwrote ${RESULTS_FILE}`);
  } finally {
    await stopNginx(nginx?.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
});
