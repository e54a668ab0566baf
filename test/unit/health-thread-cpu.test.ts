import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** The sampler runs in real worker threads, from the built JavaScript (dist/), which `npm test` builds first. */
const HEALTH = new URL('../../dist/metrics/health.js', import.meta.url).href;

/** One load thread: samples its health over `ms`, spinning on the CPU or sleeping, and reports cpuPercent. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.health).then(({ HealthSampler }) => {
  const sampler = new HealthSampler(2);
  parentPort.once('message', async () => {
    const end = performance.now() + workerData.ms;
    if (workerData.spin) while (performance.now() < end) {}
    else await new Promise((r) => setTimeout(r, workerData.ms));
    parentPort.postMessage(sampler.sample().cpuPercent);
    sampler.stop();
  });
  parentPort.postMessage('ready');
});
`;

function loadThread(spin: boolean, ms: number): { ready: Promise<void>; go(): Promise<number> } {
  const worker = new Worker(THREAD, { eval: true, workerData: { health: HEALTH, spin, ms } });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const ready = next().then(() => undefined);
  return {
    ready,
    go: async () => {
      const result = next();
      worker.postMessage('go');
      const cpu = Number(await result);
      await worker.terminate();
      return cpu;
    },
  };
}

describe('generator CPU is each load thread’s own', () => {
  it('of two threads in one process, the sleeping one reports little CPU while the other spins', async () => {
    const busy = loadThread(true, 400);
    const idle = loadThread(false, 400);
    await Promise.all([busy.ready, idle.ready]);
    const [busyCpu, idleCpu] = await Promise.all([busy.go(), idle.go()]);
    // Whole-process CPU gave the sleeping thread the spinning one's CPU too (and each thread 200% when both
    // spun on 2 cores); a thread's own CPU is at most one core's.
    expect(busyCpu).toBeGreaterThan(0);
    expect(busyCpu).toBeLessThanOrEqual(100);
    expect(idleCpu, `idle thread ${idleCpu}%, spinning thread ${busyCpu}%`).toBeLessThan(busyCpu / 3);
  });
});
