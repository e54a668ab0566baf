import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { piecewiseSchedule } from '../../src/engine/arrival.js';
import { breakpoint } from '../../src/engine/executors/breakpoint.js';
import { globalIterationIndex, shareOf } from '../../src/engine/shard.js';
import { levelLoads, steppedTimeline } from '../../src/engine/stepping.js';
import { validateLoadTest } from '../../src/manifest/validate.js';

const flow = [{ request: { url: '/' } }];
const rateScenario = {
  executor: 'breakpoint',
  levels: { unit: 'rate', start: 10, step: 10, max: 50, duration: '2s' },
  stopWhen: ['p(95)>1s', 'errors rate>5%'],
  recovery: { duration: '3s' },
  preAllocatedVUs: 5,
  maxVUs: 50,
  flow,
} as unknown as Scenario;

function problems(scenario: Record<string, unknown>) {
  const result = validateLoadTest({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 't' },
    spec: { target: { baseURL: 'http://127.0.0.1:1' }, scenarios: { s: { flow, ...scenario } } },
  });
  return result.ok ? [] : result.problems;
}

describe('breakpoint level schedule', () => {
  it('runs start, start+step, ... up to max inclusive, each for the level duration, then the recovery', () => {
    expect(levelLoads({ unit: 'rate', start: 0.1, step: 0.1, max: 0.3, duration: '1s' })).toEqual([
      0.1, 0.2, 0.3,
    ]);
    expect(steppedTimeline(rateScenario).map((w) => [w.phase, w.load, w.fromUs / 1e6, w.toUs / 1e6])).toEqual(
      [
        ['load', 10, 0, 2],
        ['load', 20, 2, 4],
        ['load', 30, 4, 6],
        ['load', 40, 6, 8],
        ['load', 50, 8, 10],
        ['recovery', 10, 10, 13],
      ],
    );
    expect(breakpoint.plan('s', rateScenario, { index: 0, total: 1 }).durationUs).toBe(13_000_000);
  });

  it('cut at a stop: the level in progress ends there and the recovery starts at once', () => {
    const cut = steppedTimeline(rateScenario, 5_500_000);
    expect(cut.map((w) => [w.phase, w.load, w.fromUs / 1e6, w.toUs / 1e6])).toEqual([
      ['load', 10, 0, 2],
      ['load', 20, 2, 4],
      ['load', 30, 4, 5.5],
      ['recovery', 10, 5.5, 8.5],
    ]);
  });

  it('rate levels: the shards striping one global schedule start exactly its iterations, none twice', () => {
    const windows = steppedTimeline(rateScenario, 5_500_000);
    const schedule = () =>
      piecewiseSchedule(
        windows.map((w) => ({
          startUs: w.fromUs,
          durationUs: w.toUs - w.fromUs,
          r0: w.load / 1e6,
          r1: w.load / 1e6,
        })),
      );
    const whole: number[] = [];
    const global = schedule();
    for (let k = 0, t = global(0); t !== undefined; t = global(++k)) whole.push(t);
    // 10/s x 2 s + 20/s x 2 s + 30/s x 1.5 s + 10/s x 3 s
    expect(whole.length).toBe(20 + 40 + 45 + 30);
    const total = 3;
    const union: number[] = [];
    for (let index = 0; index < total; index++) {
      const mine = schedule();
      for (let local = 0; ; local++) {
        const t = mine(globalIterationIndex(local, { index, total }));
        if (t === undefined) break;
        union.push(t);
      }
    }
    expect(union.sort((a, b) => a - b)).toEqual(whole);
  });

  it('VU levels: shard shares of every level sum to the level', () => {
    const vus = {
      ...rateScenario,
      levels: { unit: 'vus', start: 7, step: 5, max: 32, duration: '1s' },
    } as Scenario;
    for (const w of steppedTimeline(vus)) {
      for (const total of [1, 2, 3, 7]) {
        let sum = 0;
        for (let index = 0; index < total; index++) sum += shareOf(w.load, { index, total });
        expect(sum).toBe(w.load);
      }
    }
    expect(breakpoint.plan('s', vus, { index: 1, total: 3 }).maxVUs).toBe(
      shareOf(32, { index: 1, total: 3 }),
    );
  });
});

describe('breakpoint validation', () => {
  it('accepts the rate and vus forms', () => {
    expect(problems(rateScenario as never)).toEqual([]);
    expect(
      problems({
        executor: 'breakpoint',
        levels: { unit: 'vus', start: 2, step: 2, max: 10, duration: '5s' },
      }),
    ).toEqual([]);
  });

  it('names the field and what is allowed', () => {
    const p = problems({
      executor: 'breakpoint',
      levels: { unit: 'vus', start: 5, step: 1.5, max: 2, duration: '500ms' },
      stopWhen: ['p(95)>1s', 'http_req_duration{step:login} p(95)>1s', 'p(95)>fast', 'rate>5%'],
      maxVUs: 10,
    });
    const byPath = Object.fromEntries(p.map((x) => [x.path, x.message]));
    expect(byPath['spec.scenarios.s.levels.max']).toMatch(/must be at least levels.start/);
    expect(byPath['spec.scenarios.s.levels.step']).toMatch(/whole numbers/);
    expect(byPath['spec.scenarios.s.levels.duration']).toMatch(/at least 1s/);
    expect(byPath['spec.scenarios.s.maxVUs']).toMatch(/only applies to levels.unit: rate/);
    expect(byPath['spec.scenarios.s.stopWhen[1]']).toMatch(
      /cannot be judged per second; use one of http_req_duration/,
    );
    expect(byPath['spec.scenarios.s.stopWhen[2]']).toMatch(/is not a threshold/);
    expect(byPath['spec.scenarios.s.stopWhen[0]']).toBeUndefined();
    expect(byPath['spec.scenarios.s.stopWhen[3]']).toBeUndefined();
  });

  it('rate levels need preAllocatedVUs; other executors do not take levels', () => {
    const p = problems({
      executor: 'breakpoint',
      levels: { unit: 'rate', start: 1, step: 1, max: 2, duration: '1s' },
    });
    expect(p).toContainEqual({
      path: 'spec.scenarios.s.preAllocatedVUs',
      message: 'is required with levels.unit: rate',
    });
    expect(
      problems({
        executor: 'breakpoint',
        levels: { unit: 'rate', start: 1, step: 1, max: 2, duration: '1s' },
        preAllocatedVUs: 1,
        gracefulRampDown: '1s',
      }),
    ).toEqual([{ path: 'spec.scenarios.s.gracefulRampDown', message: 'only applies to levels.unit: vus' }]);
    expect(
      problems({
        executor: 'breakpoint',
        levels: { unit: 'vus', start: 1, step: 1, max: 2, duration: '1s' },
        gracefulRampDown: '1s',
      }),
    ).toEqual([]);
    const q = problems({ executor: 'constant-vus', vus: 1, duration: '1s', stopWhen: ['p(95)>1s'] });
    expect(q[0]?.path).toBe('spec.scenarios.s.stopWhen');
    expect(q[0]?.message).toMatch(/is not used by executor constant-vus/);
  });
});
