import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Shard, vuRanges } from '../../src/engine/shard.js';

/** Every VU's id and lane on every shard, from `counts[shard][scenario]` (each shard lists every scenario). */
function allVus(counts: number[][]) {
  const total = counts.length;
  const vus: { shard: number; scenario: number; id: number; lane: number }[] = [];
  for (let shard = 0; shard < total; shard++) {
    const ranges = vuRanges((s: Shard) => counts[s.index] as number[], { index: shard, total });
    ranges.forEach(({ firstId, firstLane }, scenario) => {
      for (let i = 0; i < (counts[shard]?.[scenario] ?? 0); i++)
        vus.push({ shard, scenario, id: firstId + i, lane: firstLane + i });
    });
  }
  return vus;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('VU numbering', () => {
  it('numbers scenarios in spec order, shards within each; lanes restart on every shard', () => {
    // Two shards, scenarios of 20 VUs each (10 per shard).
    expect(vuRanges(() => [10, 10], { index: 0, total: 2 })).toEqual([
      { firstId: 1, firstLane: 0 },
      { firstId: 21, firstLane: 10 },
    ]);
    expect(vuRanges(() => [10, 10], { index: 1, total: 2 })).toEqual([
      { firstId: 11, firstLane: 0 },
      { firstId: 31, firstLane: 10 },
    ]);
  });

  it('ids are 1..N once each over every scenario and shard; lanes 0..n-1 once each on a shard', () => {
    const shape = fc
      .record({ shards: fc.integer({ min: 1, max: 6 }), scenarios: fc.integer({ min: 1, max: 5 }) })
      .chain(({ shards, scenarios }) =>
        fc.array(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: scenarios, maxLength: scenarios }), {
          minLength: shards,
          maxLength: shards,
        }),
      );
    fc.assert(
      fc.property(shape, (counts) => {
        const vus = allVus(counts);
        const ids = vus.map((v) => v.id).sort((a, b) => a - b);
        expect(ids).toEqual(range(1, vus.length));
        counts.forEach((perScenario, shard) => {
          const lanes = vus.filter((v) => v.shard === shard).map((v) => v.lane);
          const shardVus = perScenario.reduce((a, b) => a + b, 0);
          expect(lanes.sort((a, b) => a - b)).toEqual(range(0, shardVus));
        });
        // By id: scenarios in spec order, and within one its shards in order.
        const order = [...vus].sort((a, b) => a.id - b.id).map((v) => v.scenario * 100 + v.shard);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }),
    );
  });
});
