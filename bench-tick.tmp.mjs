import { ShardRecorder } from './dist/metrics/recorder.js';
const r = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
r.warmUp(); r.start();
const sc = r.scenario('open', 'constant-arrival-rate', 'open');
const st = r.step('open', 'fixed', 'open');
console.log(Object.getOwnPropertyNames(Object.getPrototypeOf(st)).join(' '));
const health = { loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent: 10 };
const times = [];
for (let s = 0; s < 60; s++) {
  for (let i = 0; i < 200; i++) { st.response?.(20000 + Math.random() * 2000, 19000 + Math.random()*2000, 200, 100, 50); sc.lag?.(Math.random()*300); }
  const t0 = performance.now(); r.closeInterval(health); const t1 = performance.now(); const snap = r.snapshot(s); const t2 = performance.now();
  structuredClone(snap); const t3 = performance.now();
  times.push([t1 - t0, t2 - t1, t3 - t2]);
}
const med = (k) => times.slice(10).map((t) => t[k]).sort((a, b) => a - b)[25].toFixed(3);
console.log('median ms: closeInterval', med(0), 'snapshot', med(1), 'clone', med(2));
