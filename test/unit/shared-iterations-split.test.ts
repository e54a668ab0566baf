import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadTest, Scenario } from '../../src/api/schema.js';
import { sharedIterations } from '../../src/engine/executors/shared-iterations.js';
import { iterationShareOf, type Shard, shareOf, WHOLE } from '../../src/engine/shard.js';
import { planShard } from '../../src/engine/shard-plan.js';

const spec = (vus: number, iterations: number): Scenario =>
  ({ executor: 'shared-iterations', vus, iterations, flow: [{ request: { url: '/' } }] }) as Scenario;

const shards = (total: number): Shard[] => Array.from({ length: total }, (_, index) => ({ index, total }));

/** Each shard's planned VUs and iterations (its plan's description; run() counts down the same number). */
function split(vus: number, iterations: number, total: number) {
  return shards(total).map((shard) => {
    const plan = sharedIterations.plan('s', spec(vus, iterations), shard);
    const owned = Number(/^(\d+) iterations shared by (\d+) VUs/.exec(plan.describe)?.[1]);
    return { vus: plan.maxVUs, iterations: owned };
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('shared-iterations split over shards', () => {
  it('runs exactly `vus` VUs in all: vus 1 on 8 shards is one VU, owning all 100 iterations', () => {
    const parts = split(1, 100, 8);
    expect(sum(parts.map((p) => p.vus))).toBe(1);
    expect(parts.filter((p) => p.vus > 0)).toEqual([{ vus: 1, iterations: 100 }]);
    expect(sum(split(2, 100, 8).map((p) => p.vus))).toBe(2);
    expect(split(1, 100, 2).map((p) => p.vus)).toEqual([0, 1]);
  });

  it('gives iterations in proportion to VUs: 3 VUs, 31 iterations on 2 shards is 1 VU/10 and 2 VUs/21', () => {
    expect(split(3, 31, 2)).toEqual([
      { vus: 1, iterations: 10 },
      { vus: 2, iterations: 21 },
    ]);
    // Equal VU shares keep the even split.
    expect(split(4, 101, 4).map((p) => p.iterations)).toEqual([25, 25, 25, 26]);
  });

  it('describes each shard and the whole test with its own counts', () => {
    const describeOf = (shard: Shard) => sharedIterations.plan('s', spec(1, 100), shard).describe;
    expect(describeOf(WHOLE)).toBe('100 iterations shared by 1 VUs (max 10m)');
    expect(describeOf({ index: 7, total: 8 })).toBe('100 iterations shared by 1 VUs (max 10m)');
    expect(describeOf({ index: 0, total: 8 })).toBe('0 iterations shared by 0 VUs (max 10m)');
  });

  it('plans through planShard the same way (what ShardRunner and the runners use)', () => {
    const lt = {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'split' },
      spec: { target: { baseURL: 'http://127.0.0.1:8080' }, scenarios: { s: spec(1, 7) } },
    } as unknown as LoadTest;
    expect(shards(5).map((shard) => planShard(lt, shard)[0]?.maxVUs)).toEqual([0, 0, 0, 0, 1]);
  });

  it('stays exact where iterations x VUs is past 2^53', () => {
    const iterations = Number.MAX_SAFE_INTEGER;
    const vus = 999_983;
    const parts = shards(7).map((shard) => iterationShareOf(iterations, vus, shard));
    expect(parts.every(Number.isSafeInteger)).toBe(true);
    expect(sum(parts)).toBe(iterations); // every partial sum is at most the whole, so safe
    // Shard 0's part is floor(I * floor(V/7) / V), computed here with BigInt.
    const first = (BigInt(iterations) * BigInt(Math.floor(vus / 7))) / BigInt(vus);
    expect(BigInt(parts[0] as number)).toBe(first);
  });

  it('property: shares sum to the whole, and no shard has iterations without VUs or VUs without a share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 64 }),
        (vus, extra, total) => {
          const iterations = vus + extra; // validation requires iterations >= vus
          const parts = split(vus, iterations, total);
          expect(sum(parts.map((p) => p.vus))).toBe(vus);
          expect(sum(parts.map((p) => p.iterations))).toBe(iterations);
          shards(total).forEach((shard, i) => {
            const part = parts[i] as { vus: number; iterations: number };
            expect(part.vus).toBe(shareOf(vus, shard));
            if (part.vus === 0) expect(part.iterations).toBe(0);
            if (part.iterations > 0) expect(part.vus).toBeGreaterThan(0);
            // With iterations >= vus every VU has at least one iteration to run.
            expect(part.iterations).toBeGreaterThanOrEqual(part.vus);
          });
        },
      ),
    );
  });
});
