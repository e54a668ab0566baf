// The controller at scale, by simulation: the real `stampede controller` on the real control plane (etcd,
// kube-apiserver, kube-controller-manager) drives simulated runners (test/helpers/runner-sim.ts: the real
// control API, token check and recorder, one process, one loopback IP per pod). Per case it measures the
// controller's CPU and peak RSS, the age of the live status, apiserver requests/s (the apiserver's own
// apiserver_request_total), time from the runners' end to phase Succeeded (the report ConfigMap is written
// just before), and bytes pulled per cycle; then an hour-long run's snapshot, checkpoint and report sizes
// (simulated time, no cluster). Prints a markdown table. Not part of `npm test`.
//
// Usage: npm run build && npx tsc -p tsconfig.cluster.json && node bench/scale.mjs
//   CASES=10,100,300,1000,100x10   (N: one LoadTest of N runners; LxN: L LoadTests of N runners)
//   DURATION_S=60                   simulated run length per LoadTest
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { startSimClusterEnv } from '../.build/cluster/test/e2e/cluster-env.js';
import { SimStream } from '../.build/cluster/test/helpers/runner-sim.js';
import { KubeClient } from '../dist/kube/client.js';
import { loadKubeconfigFile } from '../dist/kube/kubeconfig.js';
import { mergeSnapshots } from '../dist/metrics/merge.js';
import { fitReportFiles } from '../dist/report/fit.js';
import { buildSummary } from '../dist/report/summary.js';

const CASES = (process.env.CASES ?? '10,100,300,1000,100x10').split(',').map((c) => {
  const [a, b] = c.split('x').map(Number);
  return b === undefined ? { loadTests: 1, runners: a } : { loadTests: a, runners: b };
});
const DURATION_S = Number(process.env.DURATION_S ?? 60);
const PROFILE = {
  durationMs: DURATION_S * 1000,
  steps: ['login', 'browse', 'checkout'],
  scenario: 's',
  samplesPerStepSecond: 100,
  requestsPerSample: 1,
  streams: 4,
};
/** Requests one simulated runner adds per second: what turns status.requests into data age. */
const RATE_PER_RUNNER = PROFILE.steps.length * PROFILE.samplesPerStepSecond * PROFILE.requestsPerSample;
/** USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s on Linux. */
const TICK_HZ = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (!xs.length) return Number.NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};
const statusKiB = (pid, key) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const manifest = (name, runners) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners,
      target: { baseURL: 'http://127.0.0.1:9' },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: runners,
          duration: `${DURATION_S}s`,
          flow: PROFILE.steps.map((step) => ({ name: step, request: { url: `/${step}` } })),
        },
      },
    },
  });

/** apiserver_request_total summed: all, and writes (everything but GET, LIST, WATCH), by resource. */
async function apiserverCounts(env) {
  const text = await env.kubectl(['get', '--raw', '/metrics']);
  let all = 0;
  let writes = 0;
  const byResource = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const n = Number(line.slice(line.lastIndexOf(' ') + 1));
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const sub = /subresource="([^"]*)"/.exec(line)?.[1] ?? '';
    all += n;
    if (!['GET', 'LIST', 'WATCH'].includes(verb)) {
      writes += n;
      const key = `${verb} ${resource}${sub ? `/${sub}` : ''}`;
      byResource.set(key, (byResource.get(key) ?? 0) + n);
    }
  }
  return { all, writes, byResource };
}

async function waitEmpty(env, client, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const pods = await client.get('/api/v1/namespaces/default/pods');
    if (pods.items.length === 0 && env.simKubelet.running() === 0) return;
    await sleep(1000);
  }
  throw new Error('runner pods still present after cleanup');
}

/** One case: L LoadTests of N runners each, run to the end under a fresh controller process. */
async function runCase(env, client, { loadTests, runners }) {
  const label = loadTests === 1 ? `${runners}` : `${loadTests}x${runners}`;
  const names = Array.from({ length: loadTests }, (_, i) => `scale-${label.replace('x', '-')}-${i}`);
  // A thousand pods take longer than the e2e default of 20 s to come up on a busy 2-core machine.
  const controller = env.startController(['--ready-timeout', '5m'], {
    STAMPEDE_LOG_LEVEL: 'info',
    STAMPEDE_GUARDRAILS: JSON.stringify({ maxRunners: 0 }),
  });
  await sleep(3000);
  const applied = Date.now();
  await env.kubectl(['apply', '-f', '-'], names.map((n) => manifest(n, runners)).join('---\n'));
  const seen = new Map(
    names.map((n) => [n, { startAt: undefined, endAt: undefined, lastReq: -1, changes: [] }]),
  );
  const ages = [];
  const cpuSamples = [];
  let window;
  const timeoutAt = Date.now() + 300_000 + DURATION_S * 1000;
  const simCpu0 = process.cpuUsage();
  for (;;) {
    if (Date.now() > timeoutAt) throw new Error(`case ${label}: not finished in time`);
    const now = Date.now();
    cpuSamples.push({ at: now, ticks: cpuTicks(controller.pid) });
    const list = await client.get('/apis/stampede.dev/v1alpha1/namespaces/default/loadtests');
    for (const lt of list.items) {
      const s = seen.get(lt.metadata.name);
      if (!s) continue;
      const st = lt.status ?? {};
      if (st.startAt && !s.startAt) s.startAt = Date.parse(st.startAt);
      if (st.phase === 'Failed' || st.phase === 'Aborted')
        throw new Error(`${lt.metadata.name} ${st.phase}: ${st.message}`);
      if (st.phase === 'Succeeded' && !s.endAt) s.endAt = now;
      const endMs = s.startAt + PROFILE.durationMs;
      // Live window: from 5 s after the start to the planned end; data age from the requests counted.
      if (st.phase === 'Running' && s.startAt && now > s.startAt + 5000 && now < endMs) {
        const dataS = (st.requests ?? 0) / (runners * RATE_PER_RUNNER);
        ages.push((now - s.startAt) / 1000 - dataS);
        if (st.requests !== s.lastReq) {
          s.changes.push(now);
          s.lastReq = st.requests;
        }
      }
    }
    // The live window: from 5 s after the first start to 1 s before the first planned end (LoadTests
    // applied together may start over many seconds).
    const starts = [...seen.values()].map((s) => s.startAt).filter(Boolean);
    if (!window && starts.length) {
      const first = Math.min(...starts) + 5000;
      if (now >= first)
        window = {
          from: now,
          api: await apiserverCounts(env),
          bytes: env.simKubelet.sim.snapshotBytes,
          calls: env.simKubelet.sim.snapshotCalls,
        };
    }
    if (window && !window.to && now >= Math.min(...starts) + PROFILE.durationMs - 1000) {
      window.to = now;
      window.api2 = await apiserverCounts(env);
      window.bytes2 = env.simKubelet.sim.snapshotBytes;
      window.calls2 = env.simKubelet.sim.snapshotCalls;
    }
    if ([...seen.values()].every((s) => s.endAt)) break;
    await sleep(Math.max(0, 500 - (Date.now() - now)));
  }
  const simCpu = process.cpuUsage(simCpu0);
  const peakRssMiB = statusKiB(controller.pid, 'VmHWM') / 1024;
  const inWindow = cpuSamples.filter((c) => window && c.at >= window.from && c.at <= window.to);
  const cpuOver = (a, b) => ((b.ticks - a.ticks) / TICK_HZ / ((b.at - a.at) / 1000)) * 100;
  const cpuAvg = inWindow.length > 1 ? cpuOver(inWindow[0], inWindow.at(-1)) : Number.NaN;
  let cpuMax5s = 0;
  for (let i = 0; i < inWindow.length; i++) {
    const j = inWindow.findIndex((c) => c.at >= inWindow[i].at + 5000);
    if (j > 0) cpuMax5s = Math.max(cpuMax5s, cpuOver(inWindow[i], inWindow[j]));
  }
  const windowS = window ? (window.to - window.from) / 1000 : Number.NaN;
  const cycles = window ? (window.calls2 - window.calls) / (runners * loadTests) : Number.NaN;
  const topWrites = window
    ? [...window.api2.byResource]
        .map(([k, v]) => [k, (v - (window.api.byResource.get(k) ?? 0)) / windowS])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')
    : '';
  const intervals = [...seen.values()].flatMap((s) =>
    s.changes.slice(1).map((t, i) => (t - s.changes[i]) / 1000),
  );
  const toReport = [...seen.values()].map((s) => (s.endAt - (s.startAt + PROFILE.durationMs)) / 1000);
  const result = {
    case: loadTests === 1 ? `${runners} runners` : `${loadTests} LoadTests x ${runners}`,
    applyToStartS: (Math.max(...[...seen.values()].map((s) => s.startAt)) - applied) / 1000,
    cpuAvg,
    cpuMax5s,
    peakRssMiB,
    ageP50: pct(ages, 50),
    ageMax: Math.max(...ages),
    updateEveryS: pct(intervals, 50),
    apiPerS: window ? (window.api2.all - window.api.all) / windowS : Number.NaN,
    apiWritesPerS: window ? (window.api2.writes - window.api.writes) / windowS : Number.NaN,
    topWrites,
    reportP50: pct(toReport, 50),
    reportMax: Math.max(...toReport),
    pullsPerRunnerPerS: cycles / windowS,
    bytesPerCycleMiB: window ? (window.bytes2 - window.bytes) / cycles / 1024 / 1024 : Number.NaN,
    simCpuPct: ((simCpu.user + simCpu.system) / 1000 / (Date.now() - applied)) * 100,
  };
  console.error(JSON.stringify(result));
  await env.stopController();
  await env.kubectl(['delete', 'lt', '--all', '--wait=false']);
  await waitEmpty(env, client, 300_000);
  return result;
}

/** An hour of one runner's data in simulated time: snapshot, checkpoint and report sizes. */
function hourLong(runners = 10) {
  const profile = { ...PROFILE, durationMs: 3600_000 };
  const t0 = performance.now();
  const base = new SimStream(profile, 1).snapshotAt(3600);
  const makeMs = performance.now() - t0;
  const snapshots = Array.from({ length: runners }, (_, i) =>
    JSON.parse(JSON.stringify({ ...base, shard: { index: i, total: runners }, done: true })),
  );
  const json = JSON.stringify(base);
  const t1 = performance.now();
  const run = mergeSnapshots(snapshots);
  const mergeMs = performance.now() - t1;
  const live0 = performance.now();
  mergeSnapshots(snapshots, { intervals: 'none' });
  const liveMs = performance.now() - live0;
  const summary = buildSummary({
    name: 'hour',
    target: 'http://127.0.0.1:9',
    run,
    plans: [],
    thresholds: [],
    outcome: 'completed',
    finishedAtMs: Date.now(),
  });
  const fitted = fitReportFiles(summary);
  const reportBytes =
    Object.values(fitted.files).reduce((n, t) => n + Buffer.byteLength(t), 0) +
    Object.values(fitted.binaryFiles ?? {}).reduce((n, t) => n + Buffer.byteLength(t), 0);
  return {
    snapshotKiB: Buffer.byteLength(json) / 1024,
    checkpointKiB: gzipSync(json).length / 1024,
    intervalsKiB: Buffer.byteLength(JSON.stringify(base.intervals)) / 1024,
    summaryKiB: Buffer.byteLength(JSON.stringify(summary)) / 1024,
    reportKiB: reportBytes / 1024,
    trimmed: fitted.trimmed.join(', ') || 'nothing',
    mergeMs,
    liveMs,
    makeMs,
    runners,
  };
}

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

const env = await startSimClusterEnv(PROFILE);
const client = new KubeClient(loadKubeconfigFile(env.cp.kubeconfigPath));
// Ctrl-C must not leave etcd, the apiserver and the controller running.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    void env.stop().finally(() => process.exit(130));
  });
const results = [];
try {
  for (const c of CASES) {
    try {
      results.push(await runCase(env, client, c));
    } catch (error) {
      // One case failing (say, 1,000 pods not ready in time) still prints the others and why.
      console.error(`case ${JSON.stringify(c)} failed: ${error.message}`);
      results.push({ case: `${c.loadTests} x ${c.runners}: failed (${error.message.slice(0, 120)})` });
      await env.stopController();
      await env.kubectl(['delete', 'lt', '--all', '--wait=false']).catch(() => undefined);
      await waitEmpty(env, client, 300_000).catch(() => undefined);
    }
  }
} finally {
  client.close();
  await env.stop();
}
const hour = hourLong();
console.log(
  `Simulated runs of ${DURATION_S} s, ${RATE_PER_RUNNER} requests/s per simulated runner, pull every 2 s.\n`,
);
console.log(
  '| case | controller CPU avg (max 5 s), % of a core | controller peak RSS, MiB | status age p50 / max, s | status updated every, s | apiserver req/s (writes/s) | top writes/s | runners end -> Succeeded p50 / max, s | pulled per cycle, MiB | apply -> start, s | simulator CPU, % |',
);
console.log('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|');
for (const r of results)
  console.log(
    `| ${r.case} | ${f(r.cpuAvg, 0)} (${f(r.cpuMax5s, 0)}) | ${f(r.peakRssMiB, 0)} | ${f(r.ageP50)} / ${f(r.ageMax)} | ${f(r.updateEveryS)} | ${f(r.apiPerS, 0)} (${f(r.apiWritesPerS, 0)}) | ${r.topWrites} | ${f(r.reportP50)} / ${f(r.reportMax)} | ${f(r.bytesPerCycleMiB, 2)} | ${f(r.applyToStartS)} | ${f(r.simCpuPct, 0)} |`,
  );
console.log(
  `\nHour-long run (simulated time, ${hour.runners} runners): one runner's snapshot ${f(hour.snapshotKiB, 0)} KiB of JSON (intervals ${f(hour.intervalsKiB, 0)} KiB), checkpoint ${f(hour.checkpointKiB, 0)} KiB gzipped; summary ${f(hour.summaryKiB, 0)} KiB; report ConfigMap ${f(hour.reportKiB, 0)} KiB (trimmed: ${hour.trimmed}); full merge ${f(hour.mergeMs, 0)} ms, live merge ${f(hour.liveMs, 0)} ms.`,
);
