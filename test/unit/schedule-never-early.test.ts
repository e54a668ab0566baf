import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constantSchedule,
  piecewiseSchedule,
  rampingSchedule,
  runArrivals,
} from '../../src/engine/arrival.js';
import type { ScenarioPlan } from '../../src/engine/executor.js';
import { ScenarioRuntime } from '../../src/engine/scenario-runtime.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';

/**
 * The open model's time invariant: no iteration starts before it is due, so what a user waits (from the
 * scheduled start) is never less than the service time, and neither is negative. Lateness is allowed (a
 * busy machine makes it), earliness never; so these properties hold however loaded the machine is.
 */
describe('schedules are ordered and inside the run', () => {
  /** The first broken rule, or undefined; plain comparisons keep thousands of offsets per case cheap. */
  const problem = (schedule: (k: number) => number | undefined, totalUs: number) => {
    let previous = 0;
    for (let k = 0; k <= 5000; k++) {
      const at = schedule(k);
      if (at === undefined) return undefined;
      if (at < previous) return `offset ${at} of iteration ${k} before ${previous}`;
      if (at > totalUs) return `offset ${at} of iteration ${k} after the end ${totalUs}`;
      previous = at;
    }
    return undefined;
  };
  const check = (schedule: (k: number) => number | undefined, totalUs: number) =>
    expect(problem(schedule, totalUs)).toBeUndefined();

  it('constant: due offsets never decrease and stay in [0, total)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1_000, max: 2_000_000 }),
        (rate, totalUs) => {
          const schedule = constantSchedule(rate, 1_000_000, totalUs);
          expect(schedule(0)).toBe(0);
          check(schedule, totalUs);
        },
      ),
    );
  });

  it('ramping and stepped: due offsets never decrease and stay inside the stages', () => {
    const stage = fc.record({
      ms: fc.integer({ min: 1, max: 2000 }),
      target: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(stage, { minLength: 1, maxLength: 5 }),
        (start, stages) => {
          const totalUs = stages.reduce((n, s) => n + s.ms * 1000, 0);
          check(
            rampingSchedule(
              start,
              stages.map((s) => ({ duration: `${s.ms}ms`, target: s.target })),
              1_000_000,
            ),
            totalUs,
          );
          let startUs = 0;
          const steps = stages.map((s) => {
            const piece = { startUs, durationUs: s.ms * 1000, r0: s.target / 1e6, r1: s.target / 1e6 };
            startUs += piece.durationUs;
            return piece;
          });
          check(piecewiseSchedule(steps), totalUs);
        },
      ),
    );
  });
});

function runtimeFor(flow: ConstructorParameters<typeof ScenarioRuntime>[0]['flow']) {
  const shard = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
  return new ScenarioRuntime({
    scenario: 's',
    recorder: shard.scenario('s', 'constant-arrival-rate', 'open'),
    iterationErrors: shard.step('s', '(iteration)', 'open'),
    flow,
    env: {},
    feeders: new Map(),
    vus: { firstId: 1, firstLane: 0 },
    startMs: performance.now(),
  });
}

describe('no iteration starts before it is due', () => {
  it('waitUntil never resolves before its instant', async () => {
    const rt = runtimeFor(async () => undefined);
    await fc.assert(
      fc.asyncProperty(fc.double({ min: -1, max: 4, noNaN: true }), async (aheadMs) => {
        const dueMs = performance.now() + aheadMs;
        await rt.waitUntil(dueMs);
        expect(performance.now()).toBeGreaterThanOrEqual(dueMs);
      }),
      { numRuns: 200 },
    );
  });

  it('open-model iterations: start >= due, latency >= service time >= 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 50, max: 3000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        async (rate, total, holdMs) => {
          const shard = { index: total - 1, total };
          const seen: { dueMs: number; startedMs: number; latencyMs: number; serviceMs: number }[] = [];
          const rt = runtimeFor(async (_vu, it) => {
            const startedMs = performance.now();
            const dueMs = it.scheduledAtMs as number;
            await new Promise((r) => setTimeout(r, holdMs));
            const doneMs = performance.now();
            seen.push({ dueMs, startedMs, latencyMs: doneMs - dueMs, serviceMs: doneMs - startedMs });
          });
          const durationUs = 60_000;
          const plan = { shard, durationUs, maxVUs: 1000 } as ScenarioPlan;
          await runArrivals(plan, rt, constantSchedule(rate, 1_000_000, durationUs), 10);
          await rt.drain(1000);
          expect(seen.length).toBeGreaterThan(0);
          for (const s of seen) {
            expect(s.startedMs).toBeGreaterThanOrEqual(s.dueMs);
            expect(s.serviceMs).toBeGreaterThanOrEqual(0);
            expect(s.latencyMs).toBeGreaterThanOrEqual(s.serviceMs);
          }
          expect(rt.recorder.scheduleLag?.minNonZeroValue ?? 0).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
