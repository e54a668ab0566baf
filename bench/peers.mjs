#!/usr/bin/env node
/**
 * Stampede against its peers, one nginx (plain HTTP/1.1, and TLS 1.3 with HTTP/2 by ALPN):
 *   get      a single GET /api/data in a loop;
 *   session  the seed's session (login, five page views, a transaction) with a check on every status;
 *   extract  the same session with login's token extracted, sent as a bearer header, and a JSON check;
 *   get-tls  the single GET over TLS 1.3 (HTTP/1.1);
 *   get-h2   the single GET over HTTP/2 on TLS, 50 streams over 10 connections;
 *   grpc     unary demo.Greeter/Hello against the demo target's gRPC service (bench/peers-grpc.mjs).
 * Peers: wrk, hey, Locust (FastHttpUser, one process), autocannon, h2load and ghz, each in its own native form
 * (see bench/peers/). hey cannot chain requests, so it runs only `get`. k6 is not run: this workplace's
 * package policy forbids it (AGPL). ghz is built from the Go module proxy (see bench/peers-grpc.mjs).
 *
 * nginx answers from config on CPU 0 and every generator runs alone on CPU 1 (`taskset`), 50 connections,
 * so the numbers compare the generators' own per-core cost rather than the target's. Tools are interleaved
 * per round so drift on the machine hits all of them alike.
 *
 * Usage: node bench/peers.mjs   (env: RUNS=3, DURATION_S=10, WORKLOADS=get,session,extract,get-tls,get-h2,grpc)
 * Writes the tables into docs/benchmarks.md (between its `peers` markers; only when every workload ran, or with
 * WRITE_DOC=1) and prints them.
 * Not part of `npm test`: it needs nginx, wrk, hey, h2load, locust, openssl and taskset, and takes minutes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_DOC,
  childCpuSeconds,
  cores,
  cpuTimed,
  debianVersion,
  fail,
  firstLine,
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
import { barsTable } from './peers-bars.mjs';
import { GHZ_MODULE, ghzPath, ghzTool, startGrpcTarget } from './peers-grpc.mjs';
import { manifestFor, overTls } from './stampede-manifests.mjs';

const RUNS = positiveInt('RUNS', 3);
const DURATION_S = positiveInt('DURATION_S', 10);
const ALL_WORKLOADS = ['get', 'session', 'extract', 'get-tls', 'get-h2', 'grpc'];
const WORKLOADS = (process.env.WORKLOADS || ALL_WORKLOADS.join(',')).split(',');
const CONNECTIONS = 50;
/** HTTP/2: the 50 VUs' streams share this many connections (h2load -c 10 -m 5). */
const H2_CONNECTIONS = 10;
const TARGET_CPU = '0';
const GENERATOR_CPU = '1';
/** Requests in one seed session: login, five page views, a transaction. */
const SESSION_REQUESTS = 7;
/** Slack on top of the run duration before a generator is killed: startup, graceful stop, report writing. */
const RUN_TIMEOUT_MS = (DURATION_S + 30) * 1000;
/** Relative to ROOT (every command runs there), so the recorded commands read the same on any machine. */
const AUTOCANNON_CLI = 'node_modules/autocannon/autocannon.js';
const LOCUST = '/usr/bin/locust'; // Debian's, whatever python3 is first on PATH
const K6_NOTE = 'not run (license policy of this workplace)';

for (const w of WORKLOADS)
  if (!ALL_WORKLOADS.includes(w)) fail(`WORKLOADS: unknown "${w}"; allowed: ${ALL_WORKLOADS.join(', ')}`);
const SESSIONS = new Set(['session', 'extract']);

function preflight() {
  const missing = ['nginx', 'wrk', 'hey', 'h2load', 'openssl', 'taskset'].filter((c) => !hasCommand(c));
  if (!existsSync(LOCUST)) missing.push('locust');
  if (missing.length > 0) {
    fail(
      `missing ${missing.join(', ')}; install with: apt-get update && apt-get install -y nginx-light wrk hey nghttp2-client python3-locust openssl util-linux`,
    );
  }
  if (cores() < 2) fail('needs at least 2 CPUs (nginx on CPU 0, generators on CPU 1)');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) fail('Stampede is not built; run: npm run build');
  if (!existsSync(join(ROOT, AUTOCANNON_CLI))) fail('autocannon is not installed; run: npm install');
}

// --- Stampede's manifests: bench/stampede-manifests.mjs ------------------------------------------------

const stampedeManifest = (workload, baseURL) =>
  manifestFor(workload, baseURL, {
    vus: CONNECTIONS,
    connections: workload === 'get-h2' ? H2_CONNECTIONS : CONNECTIONS,
    durationS: DURATION_S,
  });

// --- the generators: each workload's command and parser; parse returns { rps, requests, seconds, errors, extra }

const stampede = {
  // --workers 1 keeps the load in the main thread: one core, like the others.
  command: (ctx) => [
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
    const checks = s.totals.checks;
    return {
      rps: s.totals.rps,
      requests: s.totals.requests,
      seconds: s.durationSeconds,
      errors: s.totals.failures,
      extra: `checks ${checks.passes} passed, ${checks.fails} failed; generator cpu mean ${s.generator.meanCpuPercent}%`,
    };
  },
};

function parseAutocannon(stdout) {
  const r = JSON.parse(stdout.trim().split('\n').pop());
  // total / duration rather than requests.average: the same definition Stampede's totals.rps uses.
  return {
    rps: r.requests.total / r.duration,
    requests: r.requests.total,
    seconds: r.duration,
    errors: r.errors + r.timeouts + r.non2xx + (r.checkFailures ?? 0),
    extra: r.checkFailures === undefined ? '' : `check failures ${r.checkFailures}`,
  };
}

function parseWrk(stdout) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`cannot parse wrk output:\n${stdout}`);
  const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const checks = /checks: (\d+) responses, (\d+) failed/.exec(stdout);
  return {
    rps,
    requests: Number(total?.[1]),
    seconds: total ? Number(total[2]) / (total[3] === 'ms' ? 1000 : 1) : DURATION_S,
    errors:
      non2xx +
      (socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) +
      Number(checks?.[2] ?? 0),
    extra: checks ? `checks ${checks[1]} responses, ${checks[2]} failed` : '',
  };
}

/** h2load's summary: "finished in 8.00s, 12345.67 req/s, ..." and the requests line. */
function parseH2load(stdout) {
  const finished = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(stdout);
  const requests =
    /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      stdout,
    );
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  if (!finished || !requests) throw new Error(`cannot parse h2load output:\n${stdout}`);
  const done = Number(requests[2]);
  return {
    rps: Number(finished[2]),
    requests: done,
    seconds: Number(finished[1]),
    errors:
      Number(requests[4]) +
      Number(requests[5]) +
      Number(requests[6]) +
      (status ? Number(status[3]) + Number(status[4]) : 0),
    extra: `${status?.[1] ?? '?'} 2xx`,
  };
}

function parseHey(stdout) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`cannot parse hey output:\n${stdout}`);
  const statuses = [...stdout.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)];
  const errorSection = stdout.split('Error distribution:')[1] ?? '';
  const errors = [...errorSection.matchAll(/\[(\d+)\]/g)].reduce((n, m) => n + Number(m[1]), 0);
  const requests = statuses.reduce((n, m) => n + Number(m[2]), 0) + errors;
  const non2xx = statuses.filter((m) => !m[1].startsWith('2')).reduce((n, m) => n + Number(m[2]), 0);
  return {
    rps,
    requests,
    seconds: Number(/Total:\s+([\d.]+) secs/.exec(stdout)?.[1] ?? DURATION_S),
    errors: errors + non2xx,
    extra: '',
  };
}

/** Locust's aggregated CSV row; its Requests/s is requests over first to last request, like the others. */
function parseLocust(_stdout, ctx) {
  const [header, ...rows] = readFileSync(`${ctx.locustCsv}_stats.csv`, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const aggregated = rows.map((r) => r.split(',')).find((r) => r[1] === 'Aggregated');
  if (!aggregated) throw new Error('locust wrote no Aggregated row');
  const field = (name) => Number(aggregated[columns.indexOf(name)]);
  const requests = field('Request Count');
  const rps = field('Requests/s');
  return {
    rps,
    requests,
    seconds: requests / rps,
    errors: field('Failure Count'),
    extra: `mean latency ${field('Average Response Time').toFixed(2)} ms`,
  };
}

const locust = (userClass) => ({
  command: (ctx) => [
    LOCUST,
    '-f',
    'bench/peers/locustfile.py',
    '--headless',
    '--only-summary',
    '--loglevel',
    'WARNING',
    '--exit-code-on-error',
    '0',
    '-u',
    String(CONNECTIONS),
    '-r',
    String(CONNECTIONS), // all users within the first second
    '-t',
    `${DURATION_S}s`,
    '--host',
    ctx.origin,
    '--csv',
    ctx.locustCsv,
    userClass,
  ],
  parse: parseLocust,
});

/** workload -> tool -> { command, parse } or a string saying why the tool does not run it. */
const TOOLS = {
  get: {
    stampede,
    autocannon: {
      command: (ctx) => [
        'node',
        AUTOCANNON_CLI,
        '-c',
        String(CONNECTIONS),
        '-d',
        String(DURATION_S),
        '-j',
        ctx.url,
      ],
      parse: parseAutocannon,
    },
    wrk: {
      command: (ctx) => ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, ctx.url],
      parse: parseWrk,
    },
    hey: {
      command: (ctx) => ['hey', '-z', `${DURATION_S}s`, '-c', String(CONNECTIONS), ctx.url],
      parse: parseHey,
    },
    'locust (FastHttpUser)': locust('SingleGet'),
    k6: K6_NOTE,
  },
  session: {
    stampede,
    autocannon: {
      command: (ctx) => [
        'node',
        'bench/peers/autocannon-session.mjs',
        ctx.origin,
        String(CONNECTIONS),
        String(DURATION_S),
      ],
      parse: parseAutocannon,
    },
    wrk: {
      command: (ctx) => [
        'wrk',
        '-t1',
        `-c${CONNECTIONS}`,
        `-d${DURATION_S}s`,
        '-s',
        'bench/peers/wrk-session.lua',
        ctx.origin,
      ],
      parse: parseWrk,
    },
    hey: 'not run: hey sends one request shape, it cannot chain a session',
    'locust (FastHttpUser)': locust('SeedSession'),
    k6: K6_NOTE,
  },
  extract: {
    stampede,
    'locust (FastHttpUser)': locust('ExtractSession'),
    k6: K6_NOTE,
  },
  'get-tls': {
    stampede,
    wrk: {
      command: (ctx) => ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, ctx.url],
      parse: parseWrk,
    },
  },
  grpc: { stampede, ghz: ghzTool(CONNECTIONS, DURATION_S) },
  'get-h2': {
    stampede,
    h2load: {
      command: (ctx) => [
        'h2load',
        '-t1',
        `-c${H2_CONNECTIONS}`,
        `-m${CONNECTIONS / H2_CONNECTIONS}`,
        '-D',
        String(DURATION_S),
        ctx.url,
      ],
      parse: parseH2load,
    },
  },
};

/** Bars from issues #6 and #17: Stampede's median over the peer's median must reach these. */
const BARS = {
  get: { autocannon: 1.2, wrk: 0.8 },
  session: { 'locust (FastHttpUser)': 5, k6: 2 },
  extract: { 'locust (FastHttpUser)': 12 },
  'get-tls': { wrk: 0.6 },
  'get-h2': { h2load: 0.5 },
  grpc: {},
};

const SHORT_NAMES = {
  get: 'single GET',
  session: 'session with checks',
  extract: 'session with extraction',
  'get-tls': 'single GET over TLS',
  'get-h2': 'single GET over HTTP/2',
  grpc: 'unary gRPC',
};

const HEADINGS = {
  get: '### Workload 1: single GET /api/data',
  session: '### Workload 2: the seed session with status checks (7 requests)',
  extract:
    '### Workload 3: the seed session with token extraction, a bearer header and a JSON check (7 requests)',
  'get-tls': '### Workload 4: single GET over TLS 1.3 (HTTP/1.1)',
  'get-h2': `### Workload 5: single GET over HTTP/2 on TLS 1.3 (${CONNECTIONS} streams over ${H2_CONNECTIONS} connections)`,
  grpc: `### Workload 6: unary gRPC demo.Greeter/Hello on the demo target (grpc-js), ${CONNECTIONS} calls over 1 connection`,
};

/** Every generator runs as `taskset -c 1 <command>` so it gets exactly one core, never nginx's. */
const pinned = (argv) => ['taskset', '-c', GENERATOR_CPU, ...argv];

async function runTool(tool, ctx) {
  const argv = pinned(cpuTimed(tool.command(ctx)));
  const { stdout, stderr } = await run(argv[0], argv.slice(1), { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
  const cpuSeconds = childCpuSeconds(stderr);
  const r = tool.parse(stdout, ctx);
  // Startup and shutdown are in the CPU time too; every tool pays its own, which is part of its cost.
  return { ...r, cpuSeconds, perCpuSecond: r.requests / cpuSeconds };
}

// --- reporting -----------------------------------------------------------------------------------------

const fmt = (n) => Math.round(n).toLocaleString('en-US');

function workloadTables(workload, results) {
  const tools = TOOLS[workload];
  const med = (t, key = 'rps') => median(results[t].map((r) => r[key]));
  const perSession = SESSIONS.has(workload);
  const met = (ratio, bar) => (ratio >= bar ? 'met' : 'not met');
  const lines = [
    `| tool | median req/s |${perSession ? ' sessions/s |' : ''} runs (req/s) | errors | median req per CPU-second | Stampede ÷ tool, req/s | Stampede ÷ tool, per CPU-second | bar |`,
    `| --- | ---: |${perSession ? ' ---: |' : ''} --- | ---: | ---: | ---: | ---: | --- |`,
  ];
  for (const [name, tool] of Object.entries(tools)) {
    const bar = BARS[workload][name];
    if (typeof tool === 'string') {
      lines.push(
        `| ${name} | ${tool} |${perSession ? ' |' : ''} | | | | | ${bar ? `≥ ${bar}x, unmeasured` : ''} |`,
      );
      continue;
    }
    const ratio = med('stampede') / med(name);
    const cpuRatio = med('stampede', 'perCpuSecond') / med(name, 'perCpuSecond');
    const self = name === 'stampede';
    const verdict = bar ? `≥ ${bar}x: ${met(ratio, bar)} by req/s, ${met(cpuRatio, bar)} per CPU-second` : '';
    const errors = results[name].reduce((n, r) => n + r.errors, 0);
    lines.push(
      `| ${name} | ${fmt(med(name))} |${perSession ? ` ${fmt(med(name) / SESSION_REQUESTS)} |` : ''} ${results[name].map((r) => fmt(r.rps)).join(', ')} | ${errors} | ${fmt(med(name, 'perCpuSecond'))} | ${self ? '' : ratio.toFixed(2)} | ${self ? '' : cpuRatio.toFixed(2)} | ${verdict} |`,
    );
  }
  return lines;
}

function runsTable(results) {
  return [
    '| workload | round | tool | req/s | requests | seconds | CPU seconds | req per CPU-second | errors | notes |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...Object.entries(results).flatMap(([workload, byTool]) =>
      Object.entries(byTool).flatMap(([t, rs]) =>
        rs.map(
          (r, i) =>
            `| ${workload} | ${i + 1} | ${t} | ${fmt(r.rps)} | ${r.requests} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${fmt(r.perCpuSecond)} | ${r.errors} | ${r.extra} |`,
        ),
      ),
    ),
  ];
}

function versions() {
  const autocannon = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8'),
  );
  return [
    `- Stampede: ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} (this checkout, \`--workers 1\`), node ${process.version}`,
    `- nginx: ${firstLine('nginx', ['-v'])}`,
    `- wrk: ${firstLine('wrk', ['-v'])}`,
    `- hey: ${debianVersion('hey')}`,
    `- Locust: ${debianVersion('python3-locust')}, ${firstLine('/usr/bin/python3', ['--version'])}`,
    `- autocannon: ${autocannon.version} (npm devDependency)`,
    `- h2load: ${debianVersion('nghttp2-client')}`,
    `- ghz: ${ghzPath() ? `${GHZ_MODULE} (go install from the Go module proxy)` : 'not found'}`,
    `- k6: ${K6_NOTE}`,
  ];
}

function report(results, ctx) {
  const commands = Object.entries(results).flatMap(([workload, byTool]) =>
    Object.keys(byTool).map(
      (t) =>
        `${workload} / ${t}: ${pinned(TOOLS[workload][t].command({ ...ctx[workload], manifest: 'M.yaml', outDir: 'OUT', locustCsv: 'CSV' })).join(' ')}`,
    ),
  );
  return [
    `Written ${new Date().toISOString()} by:`,
    '',
    '```sh',
    `RUNS=${RUNS} DURATION_S=${DURATION_S}${process.env.WORKLOADS ? ` WORKLOADS=${process.env.WORKLOADS}` : ''} node bench/peers.mjs`,
    '```',
    '',
    `Target: nginx (\`worker_processes 1\`, \`return\` from config) on CPU ${TARGET_CPU}; each generator alone on CPU ${GENERATOR_CPU}.`,
    `${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} round(s), tools interleaved. "Stampede ÷ tool" divides medians.`,
    "CPU seconds are the generator process's user + system time over its whole run (start-up included), from `times`",
    'in the `sh` that runs it: each command below actually runs as `taskset -c 1 sh -c \'"$@"; times >&2\' sh <command>`.',
    '',
    ...machineLines(),
    ...versions(),
    '',
    '### The bars',
    '',
    ...barsTable(results, BARS, SHORT_NAMES),
    '',
    ...Object.keys(results).flatMap((w) => [HEADINGS[w], '', ...workloadTables(w, results[w]), '']),
    '<details><summary>Every run and the exact commands</summary>',
    '',
    ...runsTable(results),
    '',
    '```',
    ...commands,
    '```',
    '',
    ...Object.keys(results).flatMap((w) => [
      '```yaml',
      stampedeManifest(w, ctx[w].origin).trimEnd(),
      '```',
      '',
    ]),
    '</details>',
  ];
}

// --- main ----------------------------------------------------------------------------------------------

/** A throwaway certificate for nginx's TLS listener; no generator verifies it. */
function selfSignedCert(dir) {
  const certFile = join(dir, 'bench.crt');
  const keyFile = join(dir, 'bench.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile };
}

async function main() {
  preflight();
  const dir = mkdtempSync(join(tmpdir(), 'stampede-peers-'));
  let nginx;
  let grpcTarget;
  // Ctrl-C would otherwise exit without the finally below: stop the targets and remove the temp dir here too.
  const onSignal = () => {
    running.child?.kill('SIGKILL');
    grpcTarget?.child.kill('SIGKILL');
    stopNginx(nginx?.child).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const port = await freePort();
    const tls = { port: await freePort(), ...selfSignedCert(dir) };
    nginx = await startNginx(dir, port, { cpu: TARGET_CPU, tls });
    const tlsOrigin = `https://127.0.0.1:${tls.port}`;
    console.log(
      `nginx on ${nginx.origin} and ${tlsOrigin} (CPU ${TARGET_CPU}), generators on CPU ${GENERATOR_CPU}`,
    );
    if (WORKLOADS.includes('grpc')) {
      grpcTarget = await startGrpcTarget(TARGET_CPU, await freePort(), await freePort());
      console.log(`demo gRPC target on ${grpcTarget.address} (CPU ${TARGET_CPU})`);
    }
    const results = {};
    const contexts = {};
    for (const workload of WORKLOADS) {
      const origin =
        workload === 'grpc' ? `grpc://${grpcTarget.address}` : overTls(workload) ? tlsOrigin : nginx.origin;
      const ctx = {
        grpcAddress: grpcTarget?.address,
        origin,
        url: `${origin}/api/data`,
        manifest: join(dir, `${workload}.yaml`),
        outDir: join(dir, 'stampede-out'),
        locustCsv: join(dir, 'locust'),
      };
      contexts[workload] = ctx;
      writeFileSync(ctx.manifest, stampedeManifest(workload, origin));
      const runnable = Object.entries(TOOLS[workload]).filter(([, t]) => typeof t !== 'string');
      results[workload] = Object.fromEntries(runnable.map(([name]) => [name, []]));
      for (let round = 1; round <= RUNS; round++) {
        for (const [name, tool] of runnable) {
          rmSync(ctx.outDir, { recursive: true, force: true }); // never read a previous run's results
          rmSync(`${ctx.locustCsv}_stats.csv`, { force: true });
          const r = await runTool(tool, ctx);
          results[workload][name].push(r);
          console.log(
            `${workload} round ${round} ${name.padEnd(22)} ${fmt(r.rps).padStart(9)} req/s ${fmt(r.perCpuSecond).padStart(9)} req/CPU-s  errors ${r.errors}  ${r.extra}`,
          );
        }
      }
    }
    const md = report(results, contexts);
    console.log(`\n${md.join('\n')}`);
    // A partial run would replace every table with its few: write the document only from a full run.
    if (WORKLOADS.length === ALL_WORKLOADS.length || process.env.WRITE_DOC === '1') {
      replaceSection(BENCH_DOC, 'peers', md.join('\n'));
      console.log(`\nwrote ${BENCH_DOC}`);
    } else console.log(`\n${BENCH_DOC} not written: a partial WORKLOADS run (WRITE_DOC=1 writes it anyway)`);
  } finally {
    grpcTarget?.child.kill('SIGTERM');
    await stopNginx(nginx?.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
});
