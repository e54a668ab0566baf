import { preciseWakeAt, startPreciseClock } from '../dist/engine/precise-clock.js';
startPreciseClock();
await new Promise(r => setTimeout(r, 300));
const intervalMs = Number(process.argv[2] ?? 10), n = Number(process.argv[3] ?? 500);
const start = performance.now() + 5; const late = [];
for (let k = 0; k < n; k++) {
  const due = start + k * intervalMs;
  await new Promise(r => preciseWakeAt(due, r));
  late.push(performance.now() - due);
}
late.sort((a, b) => a - b);
const p = (q) => late[Math.min(late.length - 1, Math.floor(q * late.length))].toFixed(3);
console.log(`interval ${intervalMs} ms: p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} max ${late.at(-1).toFixed(3)}`);
process.exit(0);
