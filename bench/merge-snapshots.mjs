// Time to merge N runner snapshots: the live merge the controller does every pull, and the full merge plus
// summary for the final report. Snapshots are made by the real recorder: 3 steps, 60 per-second intervals, realistic
// latency spread. Usage: npm run build && node bench/merge-snapshots.mjs [N=100] [ROUNDS=20]

import { mergeSnapshots } from '../dist/metrics/merge.js';
import { ShardRecorder } from '../dist/metrics/recorder.js';
import { buildSummary } from '../dist/report/summary.js';

const N = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 20);
const SECONDS = 60;

function snapshot(index) {
  const r = new ShardRecorder(index, N, { cores: 2, threads: 1 });
  r.scenario('s', 'constant-vus', 'closed');
  const steps = ['login', 'browse', 'transaction'].map((name) => r.step('s', name, 'closed'));
  let x = index + 1;
  for (let second = 0; second < SECONDS; second++) {
    for (let i = 0; i < 200; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const us = Math.round(500 * Math.exp((x / 2 ** 31) * 6));
      steps[i % 3].response(us, us, i % 97 === 0 ? 500 : 200, 800, 200);
    }
    r.closeInterval({ loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent: 40 });
  }
  r.finish();
  return JSON.parse(JSON.stringify(r.snapshot())); // as it arrives over HTTP
}

const snapshots = Array.from({ length: N }, (_, i) => snapshot(i));
const bytes = snapshots.reduce((n, s) => n + JSON.stringify(s).length, 0);
const times = { merge: [], summary: [], live: [] };
for (let round = 0; round < ROUNDS; round++) {
  const t0 = performance.now();
  const run = mergeSnapshots(snapshots);
  const t1 = performance.now();
  buildSummary({
    name: 'bench',
    target: 'http://127.0.0.1',
    run,
    plans: [],
    thresholds: [],
    outcome: 'completed',
    finishedAtMs: Date.now(),
  });
  const t2 = performance.now();
  mergeSnapshots(snapshots, { intervals: 'none' });
  times.live.push(performance.now() - t2);
  times.merge.push(t1 - t0);
  times.summary.push(t2 - t1);
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${N} snapshots (${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON, ${SECONDS} s of intervals each), ${ROUNDS} rounds`,
);
console.log(
  `live merge (no per-second series, every controller pull): median ${median(times.live).toFixed(1)} ms`,
);
console.log(
  `full merge (the final report): median ${median(times.merge).toFixed(1)} ms; merge + summary: median ${(median(times.merge) + median(times.summary)).toFixed(1)} ms`,
);
