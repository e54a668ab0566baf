import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/validate.js';

const valid = `
apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: demo }
spec:
  target: { baseURL: "http://127.0.0.1:8080" }
  env: { PREFIX: user }
  scenarios:
    shop:
      executor: constant-vus
      vus: 2
      duration: 5s
      flow:
        - name: login
          request: { method: POST, url: /api/login, json: { username: "\${env.PREFIX}-\${vu}" } }
          extract: { token: { json: $.token } }
        - request: { url: /api/data, headers: { authorization: "Bearer \${vars.token}" } }
  thresholds:
    "http_req_duration{step:login}": ["p(95)<500ms"]
`;

function problems(text: string) {
  const result = parseManifest(text);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.problems;
}

describe('manifest validation', () => {
  it('accepts a valid manifest', () => {
    const result = parseManifest(valid);
    expect(result.ok).toBe(true);
  });

  it('reports YAML syntax errors with a line and column', () => {
    const p = problems('apiVersion: x\nkind: [unclosed\n');
    expect(p[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(p[0]?.message).toMatch(/YAML syntax/);
  });

  it('reports every problem at once with field paths and what is allowed', () => {
    const text = valid
      .replace('vus: 2', 'vus: "two"')
      .replace('duration: 5s', 'duration: -5s\n      exector: x')
      .replace('baseURL: "http://127.0.0.1:8080"', 'baseURL: "ftp://x"');
    const p = problems(text);
    const byPath = Object.fromEntries(p.map((x) => [x.path, x.message]));
    expect(byPath['spec.scenarios.shop.vus']).toMatch(/expected an integer >= 1.*got string "two"/);
    expect(byPath['spec.scenarios.shop.duration']).toMatch(
      /"-5s" is not a non-negative duration such as 500ms/,
    );
    expect(byPath['spec.scenarios.shop.exector']).toMatch(/unknown field \(did you mean "executor"\?\)/);
    expect(byPath['spec.target.baseURL']).toMatch(/not an http:\/\/ or https:\/\/ URL/);
    expect(p.length).toBe(4);
  });

  it('rejects scenarios.X.tags, which no metric ever carried, rather than accept and ignore it', () => {
    const p = problems(valid.replace('duration: 5s', 'duration: 5s\n      tags: { team: shop }'));
    expect(p).toEqual([expect.objectContaining({ path: 'spec.scenarios.shop.tags' })]);
    expect(p[0]?.message).toMatch(/unknown field/);
  });

  it('rejects an unknown executor, listing the executors', () => {
    const p = problems(valid.replace('executor: constant-vus', 'executor: warp-speed'));
    expect(p).toEqual([
      {
        path: 'spec.scenarios.shop.executor',
        message: expect.stringMatching(
          /"warp-speed" is not allowed; use one of "constant-vus", "ramping-vus"/,
        ),
      },
    ]);
  });

  it('rejects empty stages and fields the executor does not use', () => {
    const text = valid.replace(
      'executor: constant-vus\n      vus: 2\n      duration: 5s',
      'executor: ramping-vus\n      stages: []\n      rate: 5',
    );
    const p = problems(text);
    expect(p.map((x) => x.path)).toEqual(['spec.scenarios.shop.rate', 'spec.scenarios.shop.stages']);
    expect(p[0]?.message).toMatch(
      /not used by executor ramping-vus; it takes stages, startVUs, gracefulRampDown/,
    );
    expect(p[1]?.message).toMatch(/at least 1 stage/);
  });

  it('requires the fields an executor needs', () => {
    const p = problems(
      valid.replace(
        'executor: constant-vus\n      vus: 2',
        'executor: constant-arrival-rate\n      rate: 10',
      ),
    );
    expect(p).toEqual([
      {
        path: 'spec.scenarios.shop.preAllocatedVUs',
        message: expect.stringMatching(/required by executor constant-arrival-rate/),
      },
    ]);
  });

  it('rejects bad threshold expressions and unknown metrics', () => {
    const p = problems(valid.replace('["p(95)<500ms"]', '["p95 < 500", "rate<0.1"]\n    latency: ["avg<1"]'));
    expect(p.map((x) => x.path)).toEqual([
      'spec.thresholds["http_req_duration{step:login}"][0]',
      'spec.thresholds["http_req_duration{step:login}"][1]',
      'spec.thresholds.latency',
    ]);
    expect(p[0]?.message).toMatch(/not a threshold; write AGGREGATION OPERATOR VALUE such as p\(95\)<500ms/);
    expect(p[1]?.message).toMatch(/"rate" does not apply to a trend metric/);
    expect(p[2]?.message).toMatch(/unknown metric "latency"/);
  });

  it('rejects templates that use undefined variables', () => {
    const p = problems(
      valid.replace('${vars.token}', '${vars.tokn}').replace('${env.PREFIX}', '${env.MISSING}'),
    );
    expect(p).toEqual([
      {
        path: 'spec.scenarios.shop.flow[0].request.json.username',
        message: expect.stringMatching(
          /\$\{env.MISSING\} is undefined: declare it in spec.env \(declared: PREFIX\)/,
        ),
      },
      {
        path: 'spec.scenarios.shop.flow[1].request.headers.authorization',
        message: expect.stringMatching(
          /\$\{vars.tokn\} is undefined: no step in this scenario extracts or sets it \(defined: token\)/,
        ),
      },
    ]);
  });

  it('rejects unknown template names and functions without evaluating anything', () => {
    const p = problems(valid.replace('${vars.token}', '${globalThis.process}'));
    expect(p[0]?.message).toMatch(/unknown name "globalThis"/);
  });

  it('rejects the wrong apiVersion and kind', () => {
    const p = problems(
      valid.replace('stampede.dev/v1alpha1', 'k6.io/v1alpha1').replace('kind: LoadTest', 'kind: TestRun'),
    );
    expect(p.map((x) => x.path)).toEqual(['apiVersion', 'kind']);
    expect(p[0]?.message).toMatch(/must be "stampede.dev\/v1alpha1"/);
  });

  it('rejects --env overrides that are not declared', () => {
    const result = parseManifest(valid, { envOverrides: { NOPE: '1' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/not declared in spec.env/);
  });
});
