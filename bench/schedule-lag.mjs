// Schedule lag and accuracy of the open model against a fixed-latency target in its own process.
// The target is pinned to CPU 0 and the generator (the real CLI, --workers 1) to CPU 1 with taskset, and
// the generator's figures are compared with the target's own per-request record.
//   npm run build && node bench/schedule-lag.mjs            (RATES=100,1000,5000 DURATION_S=15 HOLD_MS=20 PROGRESS=1)
// Before each rate, cyclictest (Debian rt-tests) measures the machine's own floor on the generator's CPU for
// the same time at the same interval: how late a bare thread that does nothing else wakes. On a VM its max
// can pass 5 ms; a generator cannot be steadier than the machine it runs on.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, hasCommand, positiveInt, ROOT, run } from './lib.mjs';

const RATES = (process.env.RATES ?? '100,1000,5000').split(',').map(Number);
const DURATION_S = positiveInt('DURATION_S', 15);
const HOLD_MS = positiveInt('HOLD_MS', 20);
if (!hasCommand('taskset')) fail('taskset not found: apt-get install util-linux');

function startTarget() {
  const child = spawn(
    'taskset',
    ['-c', '0', process.execPath, join(ROOT, 'test/helpers/fixed-latency-target.mjs'), String(HOLD_MS)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const next = () => new Promise((ok) => child.once('message', ok));
  return next().then(({ port }) => ({
    url: `http://127.0.0.1:${port}`,
    stats: () => {
      const reply = next();
      child.send('stats');
      return reply;
    },
    close: () => child.send('close'),
  }));
}

/** cyclictest's wake-up latency on the generator's CPU: p99 and max in ms, or undefined without it. */
async function machineFloor(rate) {
  if (!hasCommand('cyclictest')) return undefined;
  const intervalUs = Math.max(100, Math.round(1e6 / rate));
  const cpu = (process.env.GEN_CPUS ?? '1').split(/[,-]/)[0];
  const { stdout } = await run(
    'cyclictest',
    ['--laptop', '-q', '-t1', `-a${cpu}`, `-i${intervalUs}`, `-D${DURATION_S}`, '-h', '20000'],
    { timeoutMs: (DURATION_S + 30) * 1000 },
  );
  const buckets = stdout
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => l.split(/\s+/).map(Number));
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  let seen = 0;
  let p99 = 0;
  for (const [us, count] of buckets) {
    seen += count;
    if (seen >= total * 0.99) {
      p99 = us;
      break;
    }
  }
  const max = Number(/# Max Latencies: (\d+)/.exec(stdout)?.[1]);
  return { p99Ms: p99 / 1000, maxMs: max / 1000 };
}

/**
 * Runs the CLI; resolves with the whole process's CPU (every thread, start-up and report included) as a
 * percent of one core over its wall time, from /usr/bin/time (Debian `time`), or undefined without it. The
 * summary's per-second CPU is the load thread's own; the bar (< 30%) is held against the whole process.
 */
function runGenerator(manifest, out) {
  const timeFile = join(tmpdir(), `stampede-lag-time-${process.pid}-${Date.now()}`);
  const timed = hasCommand('/usr/bin/time') ? ['/usr/bin/time', '-f', '%e %U %S', '-o', timeFile] : [];
  const args = [
    '-c',
    process.env.GEN_CPUS ?? '1',
    ...timed,
    process.execPath,
    '--no-memory-reducer', // the bin's shebang flag, as `npx stampede` runs it
    join(ROOT, 'bin/stampede.js'),
    'run',
    manifest,
  ];
  return new Promise((ok) => {
    // PROGRESS=1 keeps the live progress on (its once-a-second merge), as a plain `stampede run` does.
    const quiet = process.env.PROGRESS === '1' ? [] : ['--quiet'];
    const child = spawn('taskset', [...args, '--workers', '1', ...quiet, '--out', out], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), (DURATION_S + 60) * 1000);
    child.once('close', () => {
      clearTimeout(timer);
      if (!timed.length) return ok(undefined);
      const [wall, user, sys] = readFileSync(timeFile, 'utf8')
        .trim()
        .split('\n')
        .at(-1)
        .split(' ')
        .map(Number);
      ok(wall > 0 ? ((user + sys) / wall) * 100 : undefined);
    });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const f = (n) => (n === null || n === undefined ? 'n/a' : n.toFixed(2));

if (!hasCommand('cyclictest')) console.log('(apt-get install rt-tests to see the machine floor: cyclictest)');
console.log(
  'rate/s | lag p50 | lag p99 | lag p99.9 | lag max | gen p50-truth | gen p99-truth | load thread cpu mean | max | process cpu | floor p99 | floor max',
);
for (const rate of RATES) {
  const floor = await machineFloor(rate);
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'stampede-lag-'));
  const manifest = join(dir, 'test.yaml');
  writeFileSync(
    manifest,
    JSON.stringify({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: `lag-${rate}` },
      spec: {
        target: { baseURL: target.url, connections: Math.max(10, Math.ceil((rate * (HOLD_MS + 10)) / 1000)) },
        scenarios: {
          open: {
            executor: 'constant-arrival-rate',
            rate,
            duration: `${DURATION_S}s`,
            preAllocatedVUs: Math.max(10, Math.ceil((rate * (HOLD_MS + 10)) / 1000)),
            maxVUs: Math.max(50, Math.ceil((rate * (HOLD_MS + 50)) / 1000)),
            flow: [{ name: 'fixed', request: { url: '/' } }],
          },
        },
      },
    }),
  );
  const processCpu = await runGenerator(manifest, join(dir, 'out'));
  const stats = await target.stats();
  target.close();
  const s = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
  const lag = s.scenarios[0].scheduleLag;
  const step = s.steps[0];
  const held = [...stats.held].sort((a, b) => a - b);
  const cpus = s.timeseries?.map((i) => i.cpuPercent) ?? [];
  console.log(
    [
      rate,
      f(lag?.p50Ms),
      f(lag?.p99Ms),
      f(lag?.p999Ms),
      f(lag?.maxMs),
      f(step.latency.p50Ms - pct(held, 50)),
      f(step.latency.p99Ms - pct(held, 99)),
      f(s.generator.meanCpuPercent),
      f(Math.max(0, ...cpus)),
      f(processCpu),
      f(floor?.p99Ms),
      f(floor?.maxMs),
    ].join(' | '),
  );
}
