import { describe, expect, it } from 'vitest';
import { runnerJob } from '../../../src/controller/builders.js';
import {
  activeDeadlineSeconds,
  DEFAULT_GUARDRAILS,
  guardrailViolations,
  parseGuardrails,
} from '../../../src/controller/guardrails.js';
import { validateLoadTest } from '../../../src/manifest/validate.js';

const lt = (spec: Record<string, unknown>) => {
  const r = validateLoadTest({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'g', namespace: 'perf', uid: 'u' },
    spec: { target: { baseURL: 'http://shop.perf.svc' }, ...spec },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.loadTest;
};
const flow = [{ request: { url: '/' } }];

describe('guardrails', () => {
  it('have safe defaults, 0 switches a limit off, and bad values name the key', () => {
    expect(parseGuardrails(undefined)).toEqual(DEFAULT_GUARDRAILS);
    expect(parseGuardrails('{"maxRunners":3,"maxVUs":0}')).toEqual({
      ...DEFAULT_GUARDRAILS,
      maxRunners: 3,
      maxVUs: undefined,
    });
    expect(() => parseGuardrails('{"maxRunnerz":3}')).toThrow(/STAMPEDE_GUARDRAILS\.maxRunnerz: unknown/);
    expect(() => parseGuardrails('{"maxRunners":-1}')).toThrow(/maxRunners: must be a number >= 0/);
  });

  it('name each limit a LoadTest goes over', () => {
    const big = lt({
      runners: 5,
      scenarios: {
        open: {
          executor: 'constant-arrival-rate',
          rate: 600,
          timeUnit: '1s',
          duration: '2h',
          preAllocatedVUs: 10,
          flow,
        },
        ramp: {
          executor: 'ramping-arrival-rate',
          startRate: 10,
          stages: [{ duration: '1m', target: 500 }],
          preAllocatedVUs: 10,
          flow,
        },
        closed: { executor: 'constant-vus', vus: 300, duration: '1m', flow },
      },
    });
    expect(
      guardrailViolations(big, {
        maxRunners: 4,
        maxDurationSeconds: 3600,
        maxIterationRate: 1000,
        maxVUs: 200,
      }),
    ).toEqual([
      "spec.runners: 5 runners exceed the operator's limit guardrails.maxRunners=4",
      "spec.scenarios: the plan runs 7205 s, over the operator's limit guardrails.maxDurationSeconds=3600",
      "spec.scenarios: a peak of 1100 iterations/s exceeds the operator's limit guardrails.maxIterationRate=1000",
      expect.stringMatching(
        /^spec\.scenarios: up to \d+ VUs exceed the operator's limit guardrails\.maxVUs=200$/,
      ),
    ]);
    expect(guardrailViolations(big, {})).toEqual([]);
  });

  it('give the runner Job an activeDeadlineSeconds from the plan', () => {
    const t = lt({ scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '90s', flow } } });
    // 180 s start deadline + 90 s plus the default 5 s graceful stop + 300 s linger.
    expect(activeDeadlineSeconds(t, 180, 300)).toBe(575);
    const job = runnerJob(
      { metadata: { name: 'g', namespace: 'perf', uid: 'u' }, spec: {} },
      { image: 'i', command: ['stampede', 'runner'], startDeadlineSeconds: 180 },
      { activeDeadlineSeconds: 575, policy: ['*.perf.svc', '10.0.0.0/8'] },
    );
    expect(job.spec?.activeDeadlineSeconds).toBe(575);
    expect(job.spec?.template.spec?.containers[0]?.env).toContainEqual({
      name: 'STAMPEDE_CONNECTION_POLICY',
      value: '*.perf.svc,10.0.0.0/8',
    });
  });
});
