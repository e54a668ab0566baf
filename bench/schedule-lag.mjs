// Schedule lag and accuracy of the open model against a fixed-latency target in its own process.
// The target is pinned to CPU 0 and the generator (the real CLI, --workers 1) to CPU 1 with taskset, and
// the generator's figures are compared with the target's own per-request record.
//   npm run build && node bench/schedule-lag.mjs            (RATES=100,1000,5000 DURATION_S=15 HOLD_MS=20)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, hasCommand, positiveInt, ROOT } from './lib.mjs';

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

function runGenerator(manifest, out) {
  const args = [
    '-c',
    process.env.GEN_CPUS ?? '1',
    process.execPath,
    '--no-memory-reducer', // the bin's shebang flag, as `npx stampede` runs it
    join(ROOT, 'bin/stampede.js'),
    'run',
    manifest,
  ];
  return new Promise((ok) => {
    const child = spawn('taskset', [...args, '--workers', '1', '--quiet', '--out', out], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), (DURATION_S + 60) * 1000);
    child.once('close', (code) => {
      clearTimeout(timer);
      ok(code);
    });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const f = (n) => (n === null || n === undefined ? 'n/a' : n.toFixed(2));

console.log(
  'rate/s | lag p50 | lag p99 | lag p99.9 | lag max | gen p50-truth | gen p99-truth | cpu mean | cpu max',
);
for (const rate of RATES) {
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
  await runGenerator(manifest, join(dir, 'out'));
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
    ].join(' | '),
  );
}
