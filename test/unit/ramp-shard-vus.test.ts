/**
 * A shard's share is not monotone in the value (of 5 shards, shard 2 gets 1 of 2 VUs but 0 of 3), so the
 * VU-ramp executors plan each shard's maxVUs as its largest share of any target it follows, not its share
 * of the peak. VU ids and connection lanes are numbered from maxVUs: a VU beyond it would take another's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { breakpoint } from '../../src/engine/executors/breakpoint.js';
import { rampingVus, shardVuTargetAt } from '../../src/engine/executors/ramping-vus.js';
import { largestShare, largestShareBetween, type Shard, shareOf, WHOLE } from '../../src/engine/shard.js';
import { steppedTimeline } from '../../src/engine/stepping.js';

const RUNS = { numRuns: 200, seed: 7 };
const flow = [{ request: { url: '/' } }];
const shardsOf = (total: number): Shard[] => Array.from({ length: total }, (_, index) => ({ index, total }));
const SHARD_2_OF_5: Shard = { index: 2, total: 5 };

const ramp = (stages: { duration: string; target: number }[], startVUs?: number) =>
  ({ executor: 'ramping-vus', stages, ...(startVUs === undefined ? {} : { startVUs }), flow }) as Scenario;

const vuLevels = (start: number, step: number, max: number, recoveryLoad?: number) =>
  ({
    executor: 'breakpoint',
    levels: { unit: 'vus', start, step, max, duration: '1s' },
    ...(recoveryLoad === undefined ? {} : { recovery: { duration: '1s', load: recoveryLoad } }),
    flow,
  }) as unknown as Scenario;

describe('largest share over levels', () => {
  it('is the largest of the shares, not the share of the largest', () => {
    expect(shareOf(2, SHARD_2_OF_5)).toBe(1);
    expect(shareOf(3, SHARD_2_OF_5)).toBe(0);
    expect(largestShare([3], SHARD_2_OF_5)).toBe(0);
    expect(largestShare([2, 3], SHARD_2_OF_5)).toBe(1);
    expect(largestShare([], SHARD_2_OF_5)).toBe(0);
    expect(largestShareBetween(0, 3, SHARD_2_OF_5)).toBe(1);
    expect(largestShareBetween(3, 3, SHARD_2_OF_5)).toBe(0);
    expect(largestShareBetween(0, 7, WHOLE)).toBe(7);
  });

  it('over a range, equals the largest share of every whole value in it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        (a, b, total) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          for (const shard of shardsOf(total)) {
            let largest = 0;
            for (let v = low; v <= high; v++) largest = Math.max(largest, shareOf(v, shard));
            expect(largestShareBetween(low, high, shard)).toBe(largest);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('ramping-vus: maxVUs covers every target a shard follows', () => {
  it('a ramp to 2 then 3 VUs on 5 shards: shard 2 runs 1 VU at 2, so its plan has 1', () => {
    const spec = ramp([
      { duration: '1s', target: 2 },
      { duration: '1s', target: 3 },
    ]);
    const plan = rampingVus.plan('s', spec, SHARD_2_OF_5);
    expect(shardVuTargetAt(spec, SHARD_2_OF_5, 1_500_000)).toBe(1);
    expect(plan.maxVUs).toBe(1);
    expect(plan.describe).toMatch(/^up to 1 VUs/);
  });

  it('a ramp passes the targets between its stages: a single ramp to 3 also gives shard 2 a VU', () => {
    const spec = ramp([{ duration: '3s', target: 3 }]);
    expect(shardVuTargetAt(spec, SHARD_2_OF_5, 2_500_000)).toBe(1);
    expect(rampingVus.plan('s', spec, SHARD_2_OF_5).maxVUs).toBe(1);
    // Held at 3 from the start, it never runs 2: the plan gives no VU the shard never runs.
    expect(rampingVus.plan('s', ramp([{ duration: '3s', target: 3 }], 3), SHARD_2_OF_5).maxVUs).toBe(0);
  });

  it("shards' maxVUs may add up past the peak; the whole plan still says the spec's peak", () => {
    const spec = ramp([{ duration: '3s', target: 3 }]);
    const perShard = shardsOf(5).map((shard) => rampingVus.plan('s', spec, shard).maxVUs);
    expect(perShard).toEqual([0, 1, 1, 1, 1]);
    const whole = rampingVus.plan('s', spec, WHOLE);
    expect(whole.maxVUs).toBe(3);
    expect(whole.describe).toMatch(/^up to 3 VUs/);
  });

  it('property: at every instant each shard runs at most its maxVUs, and reaches it', () => {
    const stage = fc.record({ duration: fc.constant('1s'), target: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(
        fc.array(stage, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        fc.integer({ min: 1, max: 8 }),
        (stages, startVUs, total) => {
          const spec = ramp(stages, startVUs);
          const endUs = stages.length * 1_000_000;
          for (const shard of shardsOf(total)) {
            const { maxVUs } = rampingVus.plan('s', spec, shard);
            // Every 10 ms: a whole target is held for at least 1s/40 = 25 ms, so none is skipped.
            let largest = 0;
            for (let tUs = 0; tUs <= endUs; tUs += 10_000)
              largest = Math.max(largest, shardVuTargetAt(spec, shard, tUs));
            // At most: no VU past the plan's; and reached: the plan gives no VU the shard never runs.
            expect(largest).toBe(maxVUs);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('breakpoint in VUs: maxVUs covers every level and the recovery', () => {
  it('levels 2 and 3 on 5 shards: shard 2 runs 1 VU at level 2, so its plan has 1', () => {
    expect(breakpoint.plan('s', vuLevels(2, 1, 3), SHARD_2_OF_5).maxVUs).toBe(1);
  });

  it('a recovery at 2 VUs after a level of 3: shard 2 runs 1 VU in the recovery', () => {
    expect(breakpoint.plan('s', vuLevels(3, 1, 3, 2), SHARD_2_OF_5).maxVUs).toBe(1);
  });

  it('property: at every level, cut or not, each shard runs at most its maxVUs, and reaches it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (start, step, above, recoveryLoad, total, stopAtUs) => {
          const spec = vuLevels(start, step, start + above, recoveryLoad);
          for (const shard of shardsOf(total)) {
            const { maxVUs } = breakpoint.plan('s', spec, shard);
            const largest = (windows: { load: number }[]) =>
              Math.max(0, ...windows.map((w) => shareOf(w.load, shard)));
            expect(largest(steppedTimeline(spec))).toBe(maxVUs);
            expect(largest(steppedTimeline(spec, stopAtUs))).toBeLessThanOrEqual(maxVUs);
          }
        },
      ),
      RUNS,
    );
  });
});
