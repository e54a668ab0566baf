import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import type { ScenarioPlan } from '../../src/engine/executor.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { preconnectLanes, preconnectVUs } from '../../src/engine/preconnect.js';
import { type Shard, vuRanges } from '../../src/engine/shard.js';

const get = [{ name: 'get', request: { url: '/' } }];

function plan(spec: Scenario, shard: Shard = { index: 0, total: 1 }): ScenarioPlan {
  return EXECUTOR_REGISTRY[spec.executor].plan('s', spec, shard);
}
/** The lanes to preconnect for these scenarios on `shard`, numbered as the shard runner numbers them. */
function lanesOf(specs: Scenario[], shard: Shard = { index: 0, total: 1 }): number[] {
  const plansOn = (s: Shard) => specs.map((spec) => plan(spec, s));
  return preconnectLanes(
    plansOn(shard),
    vuRanges((s) => plansOn(s).map((p) => p.maxVUs), shard),
  );
}

describe("preconnectVUs (the plan's vusAtStart, none for a later start)", () => {
  it('is the pre-allocated VUs of an open model (its shard share, at most maxVUs)', () => {
    const spec = {
      executor: 'constant-arrival-rate',
      rate: 10,
      duration: '1s',
      preAllocatedVUs: 5,
      maxVUs: 9,
      flow: get,
    } as Scenario;
    expect(preconnectVUs(plan(spec))).toBe(5);
    expect([0, 1].map((index) => preconnectVUs(plan(spec, { index, total: 2 })))).toEqual([2, 3]);
  });

  it('is every VU of constant-vus and the start of a ramp; none for a scenario that starts later', () => {
    expect(
      preconnectVUs(plan({ executor: 'constant-vus', vus: 4, duration: '1s', flow: get } as Scenario)),
    ).toBe(4);
    const ramp = { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 6 }], flow: get };
    expect(preconnectVUs(plan(ramp as Scenario))).toBe(2);
    expect(preconnectVUs(plan({ ...ramp, startVUs: undefined } as unknown as Scenario))).toBe(0);
    const later = {
      executor: 'constant-vus',
      vus: 4,
      duration: '1s',
      startTime: '2s',
      flow: get,
    } as Scenario;
    expect(preconnectVUs(plan(later))).toBe(0);
  });
});

describe('preconnectLanes', () => {
  it("gives every VU of the shard's scenarios its own lane, from 0 on each shard", () => {
    const a = { executor: 'constant-vus', vus: 4, duration: '1s', flow: get } as Scenario;
    const b = { executor: 'constant-vus', vus: 2, duration: '1s', flow: get } as Scenario;
    // Lanes are shard-local: shard 1's two VUs of a 4-VU scenario use lanes 0 and 1, as shard 0's do.
    expect(lanesOf([a], { index: 1, total: 2 })).toEqual([0, 1]);
    // The second scenario's VUs sit beside the first's, not on the same lanes.
    expect(lanesOf([a, b])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lanesOf([a, b], { index: 1, total: 2 })).toEqual([0, 1, 2]);
  });

  it('skips scenarios whose steps send nothing to the base URL', () => {
    const ws = {
      executor: 'constant-vus',
      vus: 3,
      duration: '1s',
      flow: [{ name: 'w', ws: { url: 'ws://127.0.0.1:1/' } }],
    };
    const absolute = {
      executor: 'constant-vus',
      vus: 3,
      duration: '1s',
      flow: [{ name: 'x', request: { url: 'http://127.0.0.1:9/' } }],
    };
    expect(lanesOf([ws as unknown as Scenario, absolute as Scenario])).toEqual([]);
    // A skipped scenario still holds its lanes: the next one's VUs come after them.
    const two = { executor: 'constant-vus', vus: 2, duration: '1s', flow: get } as Scenario;
    expect(lanesOf([ws as unknown as Scenario, two])).toEqual([3, 4]);
  });
});

describe('vusAtStart over shards', () => {
  it('sums to the global start count and never passes a shard maxVUs (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        (start, step, count, total) => {
          const levels = { unit: 'vus', start, step, max: start + step * (count - 1), duration: '1s' };
          const ramp = {
            executor: 'ramping-vus',
            startVUs: start,
            stages: [{ duration: '1s', target: step }],
          };
          for (const spec of [{ executor: 'breakpoint', levels }, ramp]) {
            const plans = Array.from({ length: total }, (_, index) =>
              plan({ ...spec, flow: get } as unknown as Scenario, { index, total }),
            );
            for (const p of plans) expect(p.vusAtStart).toBeLessThanOrEqual(p.maxVUs);
            expect(plans.reduce((sum, p) => sum + p.vusAtStart, 0)).toBe(start);
          }
        },
      ),
    );
  });
});
