import { describe, expect, it } from 'vitest';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { CustomMetricRecorder, MAX_CUSTOM_METRICS } from '../../src/metrics/custom-metrics.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { checkSnapshot } from '../../src/metrics/snapshot-check.js';
import { compileThresholds, evaluateThresholds } from '../../src/metrics/thresholds.js';

function problemsOf(flow: unknown[], thresholds?: Record<string, string[]>) {
  const result = validateLoadTest({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 't' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:1' },
      scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, flow } },
      ...(thresholds ? { thresholds } : {}),
    },
  });
  return result.ok ? [] : result.problems;
}

const metric = (name: string, type: string, value = '${vars.v}') => ({ name, type, value });
const step = (m: Record<string, unknown>) => ({
  request: { url: '/x' },
  extract: { v: { header: 'x-v' } },
  ...m,
});

describe('custom metric validation names each bad field', () => {
  it('accepts metric and metrics with thresholds in k6 style', () => {
    expect(
      problemsOf(
        [
          step({
            metric: metric('queue_position', 'trend'),
            metrics: [metric('hits', 'rate'), metric('n', 'counter', '1')],
          }),
        ],
        {
          queue_position: ['p(95)<10', 'avg<3'],
          'hits{step:GET /x}': ['rate>0.9'],
          n: ['count>100', 'rate>2'],
        },
      ),
    ).toEqual([]);
  });

  it('rejects reserved names, bad values, clashing types, duplicates and a metric without a request', () => {
    const problems = problemsOf([
      step({ metric: metric('http_req_duration', 'trend') }),
      step({ metrics: [metric('q', 'trend'), metric('q', 'trend'), metric('bad', 'counter', 'lots')] }),
      step({ metric: metric('q', 'counter') }),
      step({ metric: metric('u', 'trend', '${vars.undefinedVar}') }),
      { think: { constant: '1s' }, metric: metric('t', 'rate') },
    ]);
    const at = (i: number) => `spec.scenarios.s.flow[${i}]`;
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: `${at(0)}.metric.name`,
          message: '"http_req_duration" is a built-in metric; choose another name',
        },
        { path: `${at(1)}.metrics[1].name`, message: '"q" is already a metric of this step' },
        {
          path: `${at(1)}.metrics[2].value`,
          message: 'is neither a number nor a ${...} template, e.g. "${vars.queueTime}" or "1"',
        },
        {
          path: `${at(2)}.metric.type`,
          message: `"q" is a trend at ${at(1)}.metrics[0]; one name has one type`,
        },
        expect.objectContaining({ path: `${at(3)}.metric.value` }),
        { path: `${at(4)}.metric`, message: 'only applies to a step with a request' },
      ]),
    );
  });

  it('the schema names a bad name, type or empty value', () => {
    const at = 'spec.scenarios.s.flow[0].metric';
    expect(problemsOf([step({ metric: { name: 'Bad-Name', type: 'histogram', value: '' } })])).toEqual([
      { path: `${at}.name`, message: '"Bad-Name" is not a string matching ^[a-z][a-z0-9_]*$' },
      { path: `${at}.type`, message: '"histogram" is not allowed; use one of "trend", "counter", "rate"' },
      { path: `${at}.value`, message: 'must not be empty' },
    ]);
  });

  it('caps distinct names per test', () => {
    const names = Array.from({ length: MAX_CUSTOM_METRICS + 1 }, (_, i) => metric(`m${i}`, 'counter', '1'));
    const flow = [0, 1, 2].map((k) => step({ metrics: names.slice(k * 8, k * 8 + 8) }));
    expect(problemsOf(flow)).toEqual([
      {
        path: 'spec.scenarios.s.flow[2].metrics[4].name',
        message: `a test may have at most ${MAX_CUSTOM_METRICS} custom metric names (each is a Prometheus series per step)`,
      },
    ]);
  });

  it('rejects thresholds that do not fit the metric type', () => {
    const flow = [step({ metrics: [metric('q', 'trend'), metric('hits', 'rate')] })];
    expect(problemsOf(flow, { q: ['p(95)<10ms'], hits: ['count>1'], nope: ['count>1'] })).toEqual([
      {
        path: 'spec.thresholds.q[0]',
        message: 'a custom trend has no unit; write the number alone in "p(95)<10ms"',
      },
      { path: 'spec.thresholds.hits[0]', message: '"count" does not apply to a rate metric; use rate' },
      expect.objectContaining({
        path: 'spec.thresholds.nope',
        message: expect.stringContaining('unknown metric "nope"'),
      }),
    ]);
  });
});

describe('custom metrics in snapshots', () => {
  function shard(index: number, values: unknown[]) {
    const r = new ShardRecorder(index, 2, { cores: 1, threads: 1 });
    const s = r.step('s', 'q', 'closed');
    s.response(1000, 1000, 200, 10, 10);
    for (const v of values) {
      s.customMetric('pos', 'trend').add(v);
      s.customMetric('n', 'counter').add(v);
      s.customMetric('ok', 'rate').add(v);
    }
    return r.snapshot();
  }

  it('records numbers, numeric text and booleans; the rest counts as invalid', () => {
    const m = new CustomMetricRecorder('x', 'trend');
    for (const v of [0, 1.5, '2', true, 'abc', undefined, -1, Number.NaN]) m.add(v);
    expect(m.snapshot()).toMatchObject({ samples: 4, invalid: 4, sum: 4.5, nonZero: 3 });
  });

  it('merges two shards exactly as one recorder fed every value', () => {
    const a = [0, 1, 2, 3, 4.25, 1000];
    const b = [5, 0, 7, 9.5];
    const merged = mergeSnapshots([shard(0, a), shard(1, b)]);
    const one = mergeSnapshots([shard(0, [...a, ...b])]);
    const rules = compileThresholds(
      { pos: ['p(50)<100', 'min>=0', 'max<2000', 'avg<200'], n: ['count>0'], ok: ['rate>0.5'] },
      new Map([
        ['pos', 'trend'],
        ['n', 'counter'],
        ['ok', 'rate'],
      ]),
    );
    const actual = (run: typeof merged) => evaluateThresholds(run, rules).map((t) => t.actual);
    expect(actual(merged)).toEqual(actual(one));
    expect(actual(merged)).toEqual([3, 0, 1000, 103.175, 1031.75, 0.8]);
  });

  it('a malformed custom field is refused with its path', () => {
    const good = shard(0, [1]);
    expect(checkSnapshot(good).ok).toBe(true);
    const bad = JSON.parse(JSON.stringify(good));
    bad.steps[0].custom[0].valuesHdr = 'not-hdr';
    expect(checkSnapshot(bad)).toEqual({
      ok: false,
      problem: 'steps[0].custom[0].valuesHdr: not an encoded histogram',
    });
    bad.steps[0].custom[0] = { name: 'pos', type: 'gauge', samples: 1, invalid: 0, sum: 1, nonZero: 1 };
    expect(checkSnapshot(bad)).toEqual({
      ok: false,
      problem: 'steps[0].custom[0].type: expected one of trend, counter, rate',
    });
  });
});
