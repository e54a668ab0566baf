import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coarseWakeAt,
  preciseClockRunning,
  preciseWakeAt,
  startPreciseClock,
  stopPreciseClock,
  timerWakeAt,
  type WakeAt,
} from '../../src/engine/precise-clock.js';

/** The clock thread runs the built JavaScript (dist/), which `npm test` builds first. */
async function clockThreadStarted(): Promise<void> {
  startPreciseClock();
  const deadline = performance.now() + 10_000;
  while (!preciseClockRunning()) {
    if (performance.now() > deadline)
      throw new Error('the clock thread did not start within 10 s: is dist/ built (npm run build)?');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Wake {
  atMs: number;
  cancelled: boolean;
  firedAtMs?: number;
  count: number;
}

/** Arms every wake at once (some cancelled later), waits for all, and returns what happened to each. */
async function armAll(wakeAt: WakeAt, aheadMs: number[], cancelEvery: number): Promise<Wake[]> {
  const base = performance.now();
  const wakes: Wake[] = [];
  const fired: Promise<void>[] = [];
  aheadMs.forEach((ahead, i) => {
    const wake: Wake = { atMs: base + ahead, cancelled: false, count: 0 };
    wakes.push(wake);
    let resolve: () => void = () => undefined;
    fired.push(new Promise<void>((r) => (resolve = r)));
    const cancel = wakeAt(wake.atMs, () => {
      wake.count++;
      wake.firedAtMs = performance.now();
      resolve();
    });
    if (cancelEvery > 0 && i % cancelEvery === 0) {
      wake.cancelled = true;
      cancel();
      resolve();
    }
  });
  await Promise.all(fired);
  // Long enough for a cancelled wake to show up if cancelling failed.
  await new Promise((r) => setTimeout(r, Math.max(0, ...aheadMs) + 20));
  return wakes;
}

describe('precise clock', () => {
  for (const [name, wakeAt, start] of [
    ['clock thread', preciseWakeAt, clockThreadStarted],
    ['timer fallback', timerWakeAt, async () => undefined],
    ['coarse timers (closed models)', coarseWakeAt, async () => undefined],
  ] as const) {
    it(`${name}: every wake fires once, never before its instant; cancelled wakes never fire`, async () => {
      await start();
      if (wakeAt === preciseWakeAt) expect(preciseClockRunning()).toBe(true);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.double({ min: -1, max: 15, noNaN: true }), { minLength: 1, maxLength: 20 }),
          fc.integer({ min: 0, max: 4 }),
          async (aheadMs, cancelEvery) => {
            const wakes = await armAll(wakeAt, aheadMs, cancelEvery);
            for (const w of wakes) {
              if (w.cancelled) {
                // A wake already due when armed may fire before cancel() is reached; never twice.
                expect(w.count).toBeLessThanOrEqual(1);
                continue;
              }
              expect(w.count).toBe(1);
              expect(w.firedAtMs as number).toBeGreaterThanOrEqual(w.atMs);
            }
          },
        ),
        { numRuns: 60 },
      );
    }, 60_000);
  }

  it('a clock thread that ends hands its waiting wakes to timers: each still fires once, never early', async () => {
    await clockThreadStarted();
    const base = performance.now();
    const wakes = [5, 10, 20, 30].map((ahead) => ({ atMs: base + ahead, firedAtMs: [] as number[] }));
    const fired = wakes.map(
      (w) =>
        new Promise<void>((resolve) =>
          preciseWakeAt(w.atMs, () => resolve(void w.firedAtMs.push(performance.now()))),
        ),
    );
    await stopPreciseClock();
    expect(preciseClockRunning()).toBe(false);
    await Promise.all(fired);
    for (const w of wakes) {
      expect(w.firedAtMs).toHaveLength(1);
      expect(w.firedAtMs[0] as number).toBeGreaterThanOrEqual(w.atMs);
    }
    // The next wake starts a new clock thread.
    await clockThreadStarted();
  });
});
