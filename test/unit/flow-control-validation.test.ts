import { describe, expect, it } from 'vitest';
import { validateLoadTest } from '../../src/manifest/validate.js';

function problemsOf(scenario: Record<string, unknown>): { path: string; message: string }[] {
  const result = validateLoadTest({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 't' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:1' },
      scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, ...scenario } },
    },
  });
  return result.ok ? [] : result.problems;
}

const get = { request: { url: '/x' } };

describe('validation of if, retry, loop and lifecycle', () => {
  it('accepts a full lifecycle whose flows share variables', () => {
    expect(
      problemsOf({
        lifecycle: {
          setup: [{ ...get, name: 'login', extract: { token: { json: '$.t' } } }],
          refresh: { every: '50s', if: 'last.status == 401', steps: [{ ...get, name: 'login' }] },
          teardown: [{ request: { url: '/logout?t=${vars.token}' } }],
        },
        flow: [
          { ...get, if: 'vars.token != null', retry: { max: 2, statuses: [401], errors: ['timeout'] } },
          { loop: { until: 'last.ok', max: 3 }, steps: [get] },
        ],
      }),
    ).toEqual([]);
  });

  it('names each bad field', () => {
    const problems = problemsOf({
      lifecycle: { refresh: { steps: [get] }, setup: [{ request: { url: '/${vars.nope}' } }] },
      flow: [
        { if: 'last.status ==', ...get },
        { if: 'vars.missing', ...get },
        { if: 'last.code == 1', ...get },
        { retry: { max: 1, statuses: [401] }, think: { constant: '1s' } },
        { ...get, retry: { max: 1 } },
        { ...get, retry: { max: 1, statuses: [503], backoff: '10s', maxBackoff: '1s' } },
        { loop: { until: 'last.ok', max: 2 }, think: { constant: '1s' } },
        { loop: { until: 'last.ok', max: 2 }, repeat: 2, steps: [get] },
        { loop: { until: 'nope.x', max: 2 }, steps: [get] },
      ],
    });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    const base = 'spec.scenarios.s';
    expect(byPath[`${base}.lifecycle.refresh`]).toMatch(/needs every and\/or if/);
    expect(byPath[`${base}.lifecycle.setup[0].request.url`]).toMatch(/vars.nope} is undefined/);
    expect(byPath[`${base}.flow[0].if`]).toMatch(/unexpected end/);
    expect(byPath[`${base}.flow[1].if`]).toMatch(/vars.missing} is undefined/);
    expect(byPath[`${base}.flow[2].if`]).toMatch(/not a field of last; use one of step, status, ok, error/);
    expect(byPath[`${base}.flow[3].retry`]).toMatch(/only applies to a step with a request/);
    expect(byPath[`${base}.flow[4].retry`]).toMatch(/needs statuses and\/or errors/);
    expect(byPath[`${base}.flow[5].retry.backoff`]).toMatch(/must not exceed maxBackoff/);
    expect(byPath[`${base}.flow[6].loop`]).toMatch(/needs steps/);
    expect(byPath[`${base}.flow[7].loop`]).toMatch(/loop or repeat/);
    expect(byPath[`${base}.flow[8].loop.until`]).toMatch(/unknown name "nope"/);
    expect(problems).toHaveLength(11);
  });

  it('reports schema problems of lifecycle fields with their paths', () => {
    const problems = problemsOf({
      lifecycle: { refresh: { every: 'soon', steps: [] }, later: [] },
      flow: [
        { ...get, retry: { max: 11, statuses: [401] } },
        { ...get, retry: { max: 1, errors: ['bogus'] } },
        { loop: { until: 'last.ok', max: 0 }, steps: [get] },
      ],
    });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    const base = 'spec.scenarios.s';
    expect(Object.keys(byPath).sort()).toEqual([
      `${base}.flow[0].retry.max`,
      `${base}.flow[1].retry.errors[0]`,
      `${base}.flow[2].loop.max`,
      `${base}.lifecycle.later`,
      `${base}.lifecycle.refresh.every`,
      `${base}.lifecycle.refresh.steps`,
    ]);
    expect(byPath[`${base}.flow[0].retry.max`]).toMatch(/<= 10/);
    expect(byPath[`${base}.flow[1].retry.errors[0]`]).toMatch(/"bogus" is not allowed/);
  });
});
