import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import type { ScenarioPlan } from '../../src/engine/executor.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { preconnectVuIds, vusAtStart } from '../../src/engine/preconnect.js';
import { firstVuId, type Shard } from '../../src/engine/shard.js';

const get = [{ name: 'get', request: { url: '/' } }];

function plan(spec: Scenario, shard: Shard = { index: 0, total: 1 }): ScenarioPlan {
  return EXECUTOR_REGISTRY[spec.executor].plan('s', spec, shard);
}
const firstVuIdOf = (p: ScenarioPlan) =>
  firstVuId((s: Shard) => EXECUTOR_REGISTRY[p.executor].plan('s', p.spec, s).maxVUs, p.shard);

describe('vusAtStart', () => {
  it('is the pre-allocated VUs of an open model (its shard share, at most maxVUs)', () => {
    const spec = {
      executor: 'constant-arrival-rate',
      rate: 10,
      duration: '1s',
      preAllocatedVUs: 5,
      maxVUs: 9,
      flow: get,
    } as Scenario;
    expect(vusAtStart(plan(spec))).toBe(5);
    expect([0, 1].map((index) => vusAtStart(plan(spec, { index, total: 2 })))).toEqual([2, 3]);
  });

  it('is every VU of constant-vus and the start of a ramp; none for a scenario that starts later', () => {
    expect(
      vusAtStart(plan({ executor: 'constant-vus', vus: 4, duration: '1s', flow: get } as Scenario)),
    ).toBe(4);
    const ramp = { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 6 }], flow: get };
    expect(vusAtStart(plan(ramp as Scenario))).toBe(2);
    expect(vusAtStart(plan({ ...ramp, startVUs: undefined } as unknown as Scenario))).toBe(0);
    const later = {
      executor: 'constant-vus',
      vus: 4,
      duration: '1s',
      startTime: '2s',
      flow: get,
    } as Scenario;
    expect(vusAtStart(plan(later))).toBe(0);
  });
});

describe('preconnectVuIds', () => {
  it("numbers a shard's VUs as the runtime does, once each across scenarios", () => {
    const a = { executor: 'constant-vus', vus: 4, duration: '1s', flow: get } as Scenario;
    const b = { executor: 'constant-vus', vus: 2, duration: '1s', flow: get } as Scenario;
    const shard1 = { index: 1, total: 2 };
    // Shard 1's VUs of a 4-VU scenario follow shard 0's two: ids 3 and 4.
    expect(preconnectVuIds([plan(a, shard1)], firstVuIdOf)).toEqual([3, 4]);
    expect(preconnectVuIds([plan(a), plan(b)], firstVuIdOf)).toEqual([1, 2, 3, 4]);
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
    expect(
      preconnectVuIds([plan(ws as unknown as Scenario), plan(absolute as Scenario)], firstVuIdOf),
    ).toEqual([]);
  });
});
