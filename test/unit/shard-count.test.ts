import { describe, expect, it } from 'vitest';
import type { LoadTest, Scenario } from '../../src/api/schema.js';
import {
  autoShardCount,
  openModelVUs,
  RUNNERS,
  shardCountProblems,
  shardLimit,
  WORKERS,
} from '../../src/engine/shard-count.js';
import { planShard } from '../../src/engine/shard-plan.js';
import { validateLoadTest } from '../../src/manifest/validate.js';

const flow = [{ request: { url: '/' } }];
const constantRate = (vus: Partial<Scenario>): Scenario =>
  ({
    executor: 'constant-arrival-rate',
    rate: 50,
    duration: '2s',
    preAllocatedVUs: 1,
    flow,
    ...vus,
  }) as Scenario;
const rampingRate = (vus: Partial<Scenario>): Scenario =>
  ({
    executor: 'ramping-arrival-rate',
    startRate: 10,
    stages: [{ duration: '2s', target: 50 }],
    preAllocatedVUs: 1,
    flow,
    ...vus,
  }) as Scenario;
const breakpointRate = (vus: Partial<Scenario>): Scenario =>
  ({
    executor: 'breakpoint',
    levels: { unit: 'rate', start: 10, step: 10, max: 50, duration: '1s' },
    preAllocatedVUs: 1,
    flow,
    ...vus,
  }) as Scenario;
const constantVus = (vus: number): Scenario =>
  ({ executor: 'constant-vus', vus, duration: '2s', flow }) as Scenario;
const sharedIterations = (vus: number, iterations: number): Scenario =>
  ({ executor: 'shared-iterations', vus, iterations, flow }) as Scenario;

function manifest(scenarios: Record<string, Scenario>, runners?: number) {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'shards' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:8080' },
      scenarios,
      ...(runners === undefined ? {} : { runners }),
    },
  };
}

describe('the VU pool an open-model scenario splits over shards', () => {
  it('is maxVUs, or preAllocatedVUs without it, for every open-model executor; closed models have none', () => {
    for (const make of [constantRate, rampingRate, breakpointRate]) {
      expect(openModelVUs(make({ preAllocatedVUs: 2, maxVUs: 7 }))).toEqual({ field: 'maxVUs', vus: 7 });
      expect(openModelVUs(make({ preAllocatedVUs: 4 }))).toEqual({ field: 'preAllocatedVUs', vus: 4 });
    }
    expect(openModelVUs(constantVus(1))).toBeUndefined();
    expect(openModelVUs(sharedIterations(1, 10))).toBeUndefined();
    const vuLevels = {
      executor: 'breakpoint',
      levels: { unit: 'vus', start: 1, step: 1, max: 3, duration: '1s' },
      flow,
    } as Scenario;
    expect(openModelVUs(vuLevels)).toBeUndefined();
  });

  it('the smallest pool of all open-model scenarios limits the shard count', () => {
    const scenarios = {
      big: constantRate({ maxVUs: 50 }),
      closed: constantVus(1),
      small: rampingRate({ preAllocatedVUs: 3 }),
      mid: breakpointRate({ maxVUs: 5 }),
    };
    expect(shardLimit(scenarios)).toEqual({ scenario: 'small', field: 'preAllocatedVUs', vus: 3 });
    expect(shardLimit({ closed: constantVus(1) })).toBeUndefined();
  });
});

describe('a shard count the user chose', () => {
  it('is refused where an open-model scenario has fewer VUs than shards, naming the field and the setting', () => {
    const scenarios = {
      checkout: constantRate({ preAllocatedVUs: 1, maxVUs: 3 }),
      ok: constantRate({ maxVUs: 5 }),
    };
    expect(shardCountProblems(scenarios, 5, RUNNERS)).toEqual([
      {
        path: 'spec.scenarios.checkout.maxVUs',
        message: expect.stringMatching(
          /^3 VUs cannot be split over 5 runners; give at least 5 or lower spec\.runners \(a runner with no VU/,
        ),
      },
    ]);
    expect(shardCountProblems(scenarios, 4, WORKERS)).toEqual([
      {
        path: 'spec.scenarios.checkout.maxVUs',
        message: expect.stringMatching(
          /^3 VUs cannot be split over 4 workers; give at least 4 or lower --workers/,
        ),
      },
    ]);
    expect(shardCountProblems(scenarios, 3, WORKERS)).toEqual([]);
  });

  it('never refuses closed models: a shard with no VUs owns no load', () => {
    expect(shardCountProblems({ a: constantVus(1), b: sharedIterations(1, 10) }, 8, RUNNERS)).toEqual([]);
  });

  it('is refused exactly when some shard would plan no VU for an open-model scenario (the real plans)', () => {
    for (const make of [constantRate, rampingRate, breakpointRate]) {
      for (let total = 1; total <= 9; total++) {
        for (const vus of [1, 2, 3, 4, 5, 7, 8, 9, 10]) {
          const scenarios = { s: make({ preAllocatedVUs: 1, maxVUs: vus }) };
          const lt = manifest(scenarios) as unknown as LoadTest;
          const perShard = Array.from(
            { length: total },
            (_, index) => planShard(lt, { index, total })[0]?.maxVUs,
          );
          const starved = perShard.some((maxVUs) => maxVUs === 0);
          expect(shardCountProblems(scenarios, total, RUNNERS).length > 0, `${vus} VUs on ${total}`).toBe(
            starved,
          );
        }
      }
    }
  });

  it('shared-iterations has no limit: shards without VUs own none of its iterations', () => {
    const scenarios = { s: sharedIterations(1, 7) };
    expect(shardLimit(scenarios)).toBeUndefined();
    expect(shardCountProblems(scenarios, 5, RUNNERS)).toEqual([]);
    const lt = manifest(scenarios) as unknown as LoadTest;
    const plans = Array.from({ length: 5 }, (_, index) => planShard(lt, { index, total: 5 })[0]);
    expect(plans.map((plan) => plan?.maxVUs)).toEqual([0, 0, 0, 0, 1]);
    expect(plans[4]?.describe).toMatch(/^7 iterations shared by 1 VUs/);
  });
});

describe('an automatic shard count', () => {
  it('is lowered to the smallest open-model pool, at least 1, and names what lowered it', () => {
    const scenarios = { a: constantRate({ maxVUs: 2 }), b: constantVus(1) };
    expect(autoShardCount(4, scenarios)).toEqual({
      shards: 2,
      limitedBy: { scenario: 'a', field: 'maxVUs', vus: 2 },
    });
    expect(autoShardCount(2, scenarios)).toEqual({ shards: 2 });
    expect(autoShardCount(1, scenarios)).toEqual({ shards: 1 });
    expect(autoShardCount(8, { b: constantVus(1) })).toEqual({ shards: 8 });
    expect(autoShardCount(0, { b: constantVus(1) })).toEqual({ shards: 1 });
  });
});

describe('validation against spec.runners (stampede validate and the controller)', () => {
  const scenarios = { checkout: constantRate({ preAllocatedVUs: 1, maxVUs: 3 }) };

  it('refuses more runners than an open-model scenario has VUs, in a cluster and by default', () => {
    for (const options of [{}, { runsIn: 'cluster' as const }]) {
      const result = validateLoadTest(manifest(scenarios, 5), options);
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.problems).toEqual([
        {
          path: 'spec.scenarios.checkout.maxVUs',
          message: expect.stringMatching(
            /^3 VUs cannot be split over 5 runners; give at least 5 or lower spec\.runners/,
          ),
        },
      ]);
    }
  });

  it('accepts as many runners as VUs, the default of 1 runner, and a local run (sharded by --workers)', () => {
    expect(validateLoadTest(manifest(scenarios, 3), { runsIn: 'cluster' }).ok).toBe(true);
    expect(validateLoadTest(manifest(scenarios), { runsIn: 'cluster' }).ok).toBe(true);
    expect(validateLoadTest(manifest(scenarios, 5), { runsIn: 'local' }).ok).toBe(true);
  });
});
