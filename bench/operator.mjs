// Operator figures on the local control plane (real etcd, kube-apiserver, kube-controller-manager, the process
// kubelet, `stampede controller`):
//   1. time from `kubectl apply` to the shared start instant of all runners, and to phase Running (3 runners);
//   2. the controller's resident memory while it manages 20 running LoadTests.
// Usage: npm run build && npx tsc -p tsconfig.cluster.json && node bench/operator.mjs [ROUNDS=3]
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { pollUntil, startClusterEnv } from '../.build/cluster/test/e2e/cluster-env.js';
import { startDemoTarget } from '../dist/demo/server.js';

const ROUNDS = Number(process.argv[2] ?? 3);

const manifest = (name, runners, baseURL, duration) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners,
      target: { baseURL },
      scenarios: {
        s: {
          executor: 'constant-vus',
          vus: runners,
          duration,
          flow: [{ request: { url: '/api/data' }, think: { constant: '200ms' } }],
        },
      },
    },
  });

const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const env = await startClusterEnv();
const demo = await startDemoTarget({ port: 0 });
const controller = env.startController();
try {
  const toStart = [];
  const toRunning = [];
  for (let round = 0; round < ROUNDS; round++) {
    const name = `startup-${round}`;
    const applied = Date.now();
    await env.kubectl(['apply', '-f', '-'], manifest(name, 3, demo.url, '3s'));
    const running = await env.waitForPhase(name, ['Running', 'Succeeded', 'Failed'], 60_000);
    toRunning.push(Date.now() - applied);
    const lt = await env.getLoadTest(name);
    toStart.push(Date.parse(lt.status.startAt) - applied);
    await env.waitForPhase(name, ['Succeeded', 'Failed'], 60_000);
    if (running.status.phase === 'Failed') throw new Error(`${name} failed`);
  }
  console.log(
    `apply -> shared start of 3 runners: median ${median(toStart)} ms (runs: ${toStart.join(', ')}); includes the 2 s start lead`,
  );
  console.log(
    `apply -> phase Running observed by kubectl: median ${median(toRunning)} ms (runs: ${toRunning.join(', ')})`,
  );

  const idleRss = rssMiB(controller.pid);
  for (let i = 0; i < 20; i++)
    await env.kubectl(['apply', '-f', '-'], manifest(`many-${i}`, 1, demo.url, '60s'));
  await pollUntil('20 LoadTests Running', 120_000, async () => {
    const list = JSON.parse(await env.kubectl(['get', 'lt', '-o', 'json']));
    return list.items.filter((o) => o.metadata.name.startsWith('many-') && o.status?.phase === 'Running')
      .length === 20
      ? true
      : undefined;
  });
  const samples = [];
  for (let i = 0; i < 10; i++) {
    samples.push(rssMiB(controller.pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(
    `controller RSS: ${idleRss.toFixed(0)} MiB before, ${median(samples).toFixed(0)} MiB median (max ${Math.max(...samples).toFixed(0)}) with 20 LoadTests running`,
  );
} finally {
  await env.stop();
  await demo.close();
}
