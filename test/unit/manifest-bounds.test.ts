import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/engine/timers.js';
import { validateLoadTest } from '../../src/manifest/validate.js';

function manifest(scenario: Record<string, unknown>) {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'bounds' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:8080' },
      scenarios: { s: { flow: [{ request: { url: '/' } }], ...scenario } },
    },
  };
}

function problemsOf(scenario: Record<string, unknown>) {
  const result = validateLoadTest(manifest(scenario));
  return result.ok ? [] : result.problems;
}

const open = { executor: 'constant-arrival-rate', duration: '2s', preAllocatedVUs: 5 };

describe('every duration and rate has a range', () => {
  it('refuses a duration past 576h (Node timers would fire at once) with the field path', () => {
    const p = problemsOf({ executor: 'constant-vus', vus: 1, duration: '600h' });
    expect(p).toEqual([
      { path: 'spec.scenarios.s.duration', message: expect.stringMatching(/at most 576h/) },
    ]);
    for (const field of ['startTime', 'gracefulStop']) {
      const q = problemsOf({ executor: 'constant-vus', vus: 1, duration: '1s', [field]: '577h' });
      expect(q.map((x) => x.path)).toEqual([`spec.scenarios.s.${field}`]);
    }
    const think = problemsOf({
      executor: 'constant-vus',
      vus: 1,
      duration: '1s',
      flow: [{ request: { url: '/' }, think: { constant: '10000h' } }],
    });
    expect(think.map((x) => x.path)).toEqual(['spec.scenarios.s.flow[0].think.constant']);
  });

  it('accepts the longest duration', () => {
    expect(problemsOf({ executor: 'constant-vus', vus: 1, duration: '576h' })).toEqual([]);
  });

  it('refuses rate 1e12 and timeUnit 0s', () => {
    expect(problemsOf({ ...open, rate: 1e12 }).map((x) => x.path)).toEqual(['spec.scenarios.s.rate']);
    const zero = problemsOf({ ...open, rate: 10, timeUnit: '0s' });
    expect(zero).toEqual([
      { path: 'spec.scenarios.s.timeUnit', message: expect.stringMatching(/at least 1ms/) },
    ]);
  });

  it('refuses a rate that is too high once divided by its timeUnit', () => {
    const p = problemsOf({ ...open, rate: 10_000, timeUnit: '1ms' });
    expect(p).toEqual([
      { path: 'spec.scenarios.s.rate', message: expect.stringMatching(/1\.00e\+7 iterations\/s/) },
    ]);
    const ramp = problemsOf({
      executor: 'ramping-arrival-rate',
      preAllocatedVUs: 5,
      timeUnit: '10ms',
      stages: [{ duration: '1s', target: 100_000 }],
    });
    expect(ramp.map((x) => x.path)).toEqual(['spec.scenarios.s.stages[0].target']);
    expect(problemsOf({ ...open, rate: 1_000_000 })).toEqual([]);
  });

  it('refuses load that would run nothing: duration 0s, stages of 0s', () => {
    expect(problemsOf({ executor: 'constant-vus', vus: 1, duration: '0s' })).toEqual([
      { path: 'spec.scenarios.s.duration', message: expect.stringMatching(/longer than 0/) },
    ]);
    const stages = problemsOf({ executor: 'ramping-vus', stages: [{ duration: '0s', target: 5 }] });
    expect(stages.map((x) => x.path)).toEqual(['spec.scenarios.s.stages']);
  });
});

describe('setLongTimeout', () => {
  it('waits past Node’s 2^31-1 ms limit instead of firing at once, and can be cancelled', async () => {
    let fired = false;
    const cancel = setLongTimeout(() => {
      fired = true;
    }, MAX_TIMER_MS + 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toBe(false);
    cancel();
  });

  it('fires short delays as setTimeout would', async () => {
    const fired = await new Promise<number>((resolve) => {
      const t0 = performance.now();
      setLongTimeout(() => resolve(performance.now() - t0), 20);
    });
    expect(fired).toBeGreaterThanOrEqual(19);
  });
});
