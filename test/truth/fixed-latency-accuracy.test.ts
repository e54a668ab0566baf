import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { createHistogram, latencyStats } from '../../src/metrics/histogram.js';
import type { Summary } from '../../src/report/summary.js';
import { CLI } from '../helpers/cli.js';
import { busyShare, percent, readCoreTimes, waitForQuietCores } from '../helpers/core-load.js';
import { requireTaskset, startFixedLatencyProcess } from '../helpers/fixed-latency-process.js';
import type { FixedLatencyServer } from '../helpers/fixed-latency-server.js';
import { describeFloor, HOST_STALL_MS, type WakeFloor, watchWakeFloor } from '../helpers/host-wake.js';

/**
 * The generator held to the target's own record. The target answers every request after 20 ms and logs how
 * long it really held each one; it is a separate process pinned to CPU 0, and the generator is the real
 * CLI pinned to CPU 1, so neither queues behind the other (as a real target has its own machine). This file
 * runs in the sequential `truth` project, after every other test file, with nothing else on the cores.
 */
const HOLD_MS = 20;
const TARGET_CPU = 0;
const GENERATOR_CPU = 1;
/**
 * Anything else that runs on the machine can only add to the gap between the generator's figures and
 * the target's record, never take from it, so the bars are held by the best of a few attempts: a real
 * regression fails them all, a moment of noise from elsewhere does not fail the build. The invariants
 * (counts, nothing early, nothing faster than the target) are held on every attempt. Each attempt first
 * waits (a bounded while) for outside work to leave both cores, so work that outlasts a test file (a
 * lingering process, a build elsewhere on the machine) does not spoil every attempt in a row.
 * While an attempt runs, a bare thread on each core measures the machine's own wake-up floor (host-wake.ts):
 * on a VM the host holds a vCPU for 10 ms and more, in phases of minutes that the cores' idle shares miss.
 * A missed attempt during which the floor stalled does not count towards ATTEMPTS (at most MAX_RUNS in all):
 * the bars are for a quiet machine, and a regression of ours misses them on a quiet floor too.
 */
const ATTEMPTS = 3;
/** In a phase of host noise a run misses p99 +3 ms about two times in three (CI today: the 2nd-4th run met it). */
const MAX_RUNS = 12;
const QUIET = { maxShare: 0.15, windowMs: 1000, maxWaitMs: 30_000 };

function runPinnedCli(manifest: string, out: string): Promise<number | null> {
  // With the node flags of the bin's shebang, as `npx stampede` and the image's entrypoint run it.
  const args = ['-c', String(GENERATOR_CPU), process.execPath, '--no-memory-reducer', CLI, 'run', manifest];
  return new Promise((resolve) => {
    const child = spawn('taskset', [...args, '--workers', '1', '--quiet', '--out', out], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('latency truth against a fixed 20 ms target in its own process on the other core', () => {
  let server: FixedLatencyServer;
  let dir: string;
  beforeAll(async () => {
    requireTaskset();
    if (availableParallelism() < 2)
      throw new Error('truth tests need 2 cores: target and generator each get one');
    dir = mkdtempSync(join(tmpdir(), 'stampede-truth-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function measure(name: string, scenario: Scenario) {
    server = await startFixedLatencyProcess(HOLD_MS, TARGET_CPU);
    try {
      const manifest = join(dir, `${name}.yaml`);
      const loadTest = {
        apiVersion: 'stampede.dev/v1alpha1',
        kind: 'LoadTest',
        metadata: { name },
        spec: { target: { baseURL: server.url }, scenarios: { [name]: scenario } },
      };
      writeFileSync(manifest, JSON.stringify(loadTest));
      const code = await runPinnedCli(manifest, join(dir, name));
      const summary = JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')) as Summary;
      const stats = await server.stats();
      const held = createHistogram();
      for (const ms of stats.held) held.recordValue(Math.round(ms * 1000));
      const step = summary.steps[0] as Summary['steps'][number];
      return { code, summary, step, truth: latencyStats(held), serverRequests: stats.requests };
    } finally {
      await server.close();
    }
  }

  interface Attempt {
    gapP50Ms: number;
    gapP99Ms: number;
    seen: string;
  }

  /** Runs `attempt` until one meets the bars (see ATTEMPTS and MAX_RUNS); fails with every run's figures. */
  async function bestOf(attempt: () => Promise<Attempt>): Promise<void> {
    const seen: string[] = [];
    const cores = [TARGET_CPU, GENERATOR_CPU];
    let counted = 0;
    for (let run = 1; run <= MAX_RUNS && counted < ATTEMPTS; run++) {
      const quiet = await waitForQuietCores(cores, QUIET);
      const watches = cores.map((cpu) => watchWakeFloor(cpu));
      const floors: WakeFloor[] = [];
      const before = readCoreTimes();
      // Stopped however the attempt ends: an invariant that fails throws out of it.
      const a = await attempt().finally(() => {
        for (const w of watches) floors.push(w.stop());
      });
      const during = busyShare(before, readCoreTimes(), cores);
      const hostStalled = floors.some((f) => f.maxMs > HOST_STALL_MS);
      seen.push(
        `${a.seen} (load average ${loadavg()[0]?.toFixed(2)}; cores ${cores.join('/')} busy ${percent(quiet.shares)} before, waited ${Math.round(quiet.waitedMs / 1000)} s; ${percent(during)} during, target and generator included; wake floor during: ${floors.map(describeFloor).join(' | ')}${hostStalled ? '; the host stalled' : ''})`,
      );
      if (a.gapP50Ms <= 1 && a.gapP99Ms <= 3) {
        // Kept in the log: how many runs it took, and on what floor.
        console.info(`truth: run ${run} met the bars:\n${seen.join('\n')}`);
        return;
      }
      if (!hostStalled) counted++;
    }
    // The bars of issue #12: p50 within 1 ms and p99 within 3 ms of the target's own record.
    expect.fail(`no run of ${seen.length} within p50 +1 ms and p99 +3 ms:\n${seen.join('\n')}`);
  }

  const flow = [{ name: 'fixed', request: { url: '/' } }];

  it('open model, 200/s for 10 s: p50 within 1 ms and p99 within 3 ms of the target record', async () => {
    await bestOf(async () => {
      const { code, step, truth, serverRequests, summary } = await measure('open', {
        executor: 'constant-arrival-rate',
        rate: 200,
        duration: '10s',
        preAllocatedVUs: 20,
        maxVUs: 100,
        flow,
      });
      const seen = `generator p50 ${step.latency.p50Ms} p99 ${step.latency.p99Ms} ms; target p50 ${truth.p50Ms} p99 ${truth.p99Ms} ms; lag p99 ${summary.scenarios[0]?.scheduleLag?.p99Ms} ms`;
      expect(code, seen).toBe(0);
      // Properties that hold on any machine: every request counted reached the target, nothing came back
      // faster than the target held it, and no iteration started before it was due.
      expect(step.requests).toBe(2000);
      expect(serverRequests).toBe(step.requests);
      expect(step.failures).toBe(0);
      expect(step.latency.minMs, seen).toBeGreaterThanOrEqual(truth.minMs);
      expect(step.latency.minMs).toBeGreaterThanOrEqual(step.serviceTime?.minMs ?? 0);
      return { gapP50Ms: step.latency.p50Ms - truth.p50Ms, gapP99Ms: step.latency.p99Ms - truth.p99Ms, seen };
    });
  }, 600_000);

  it('closed model, 10 VUs for 8 s: p50 within 1 ms and p99 within 3 ms of the target record', async () => {
    await bestOf(async () => {
      const { code, step, truth, serverRequests, summary } = await measure('closed', {
        executor: 'constant-vus',
        vus: 10,
        duration: '8s',
        flow,
      });
      const seen = `generator p50 ${step.latency.p50Ms} p99 ${step.latency.p99Ms} ms; target p50 ${truth.p50Ms} p99 ${truth.p99Ms} ms`;
      expect(code, seen).toBe(0);
      expect(summary.latencyModel).toBe('closed');
      expect(step.requests).toBeGreaterThan(2000);
      expect(serverRequests).toBe(step.requests);
      expect(step.failures).toBe(0);
      expect(truth.p50Ms).toBeGreaterThanOrEqual(HOLD_MS);
      expect(step.latency.minMs, seen).toBeGreaterThanOrEqual(truth.minMs);
      return { gapP50Ms: step.latency.p50Ms - truth.p50Ms, gapP99Ms: step.latency.p99Ms - truth.p99Ms, seen };
    });
  }, 600_000);
});
