/**
 * Names a user chooses (env variables, scenarios, metrics, threshold keys, header names...) are just names:
 * the ones Object.prototype also has (constructor, toString, valueOf, hasOwnProperty) work like any other,
 * `__proto__` is refused with its field path, and header names and literal values follow RFC 9110.
 */
import { describe, expect, it } from 'vitest';
import { resolveSpecEnv } from '../../src/api/env.js';
import { PROTO_KEY_MESSAGE } from '../../src/api/schema-check.js';
import { parseManifest, validateLoadTest } from '../../src/manifest/validate.js';
import { classifyStatus } from '../../src/metrics/error-class.js';
import { parseThresholdKey } from '../../src/metrics/threshold-expr.js';

const PROTO_MEMBERS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

type Json = Record<string, unknown>;

function manifest(spec: Json, step: Json = { request: { url: '/' } }): Json {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'names' },
    spec: {
      target: { baseURL: 'http://127.0.0.1:9' },
      scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 1, flow: [step] } },
      ...spec,
    },
  };
}

function problems(value: Json): { path: string; message: string }[] {
  const result = validateLoadTest(value);
  return result.ok ? [] : result.problems;
}

describe('spec.env names', () => {
  it('a variable named like an Object.prototype member has its own value, locally and in a cluster', () => {
    const specEnv = Object.fromEntries(PROTO_MEMBERS.map((n) => [n, `value-of-${n}`]));
    for (const where of ['local', 'cluster'] as const) {
      const { env, problems: found } = resolveSpecEnv(specEnv, {}, {}, where);
      expect(found).toEqual([]);
      for (const name of PROTO_MEMBERS) expect(env[name]).toBe(`value-of-${name}`);
    }
  });

  it('a Secret-backed variable named constructor is missing, not Object', () => {
    const ref = { valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } };
    const { env, problems: found } = resolveSpecEnv({ constructor: ref }, {}, {}, 'local');
    expect(Object.hasOwn(env, 'constructor')).toBe(false);
    expect(found.map((p) => p.path)).toEqual(['spec.env.constructor']);
  });

  it('__proto__ is refused with its path', () => {
    expect(problems(manifest({ env: JSON.parse('{"__proto__": "x"}') }))).toEqual([
      { path: 'spec.env.__proto__', message: PROTO_KEY_MESSAGE },
    ]);
  });
});

describe('metric and threshold names', () => {
  it('constructor and __proto__ are unknown metrics, not built-in ones and not a JavaScript error', () => {
    for (const key of ['constructor', '__proto__', 'valueof{step:a}']) {
      expect(() => parseThresholdKey(key)).toThrow(
        /^unknown metric "(constructor|__proto__|valueof)"; use one of/,
      );
    }
  });

  it('a custom metric named constructor is declared and thresholded like any other', () => {
    const step = { request: { url: '/' }, metric: { name: 'constructor', type: 'counter', value: '1' } };
    expect(problems(manifest({ thresholds: { constructor: ['count>1'] } }, step))).toEqual([]);
    expect(parseThresholdKey('constructor', new Map([['constructor', 'counter']]))).toMatchObject({
      metric: 'constructor',
      kind: 'counter',
      custom: true,
    });
  });

  it('a threshold on an undeclared metric named constructor says so', () => {
    expect(problems(manifest({ thresholds: { constructor: ['count>1'] } }))).toEqual([
      {
        path: 'spec.thresholds.constructor',
        message: expect.stringMatching(/^unknown metric "constructor"; use one of http_req_duration/),
      },
    ]);
  });

  it('a threshold key __proto__ is refused as a name', () => {
    const thresholds = JSON.parse('{"__proto__": ["p(95)<1s"]}');
    expect(problems(manifest({ thresholds }))).toEqual([
      { path: 'spec.thresholds.__proto__', message: PROTO_KEY_MESSAGE },
    ]);
  });

  it('a threshold tag naming a scenario constructor that does not exist is refused', () => {
    expect(problems(manifest({ thresholds: { 'http_reqs{scenario:constructor}': ['count>1'] } }))).toEqual([
      {
        path: 'spec.thresholds["http_reqs{scenario:constructor}"]',
        message: expect.stringMatching(/^scenario "constructor" does not exist/),
      },
    ]);
  });
});

describe('fields and keys of the manifest', () => {
  it('a field named like an Object.prototype member is an unknown field', () => {
    const value = manifest({ constructor: 1, target: { baseURL: 'http://127.0.0.1:9', toString: 2 } });
    const found = problems(value).map((p) => [p.path, p.message.split(';')[0]]);
    expect(found).toHaveLength(2);
    expect(found).toContainEqual(['spec.constructor', 'unknown field']);
    expect(found).toContainEqual(['spec.target.toString', 'unknown field']);
  });

  it('a scenario named constructor is valid', () => {
    const value = manifest({});
    const spec = value.spec as { scenarios: Json };
    spec.scenarios = { constructor: spec.scenarios.s };
    expect(problems(value)).toEqual([]);
  });

  it('__proto__ as a key anywhere in the structure is refused, as parsed from YAML', () => {
    const result = parseManifest(`apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: p }
spec:
  target: { baseURL: "http://127.0.0.1:9" }
  feeders: { __proto__: { inline: [ { a: 1 } ] } }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 1
      flow:
        - request: { url: /, query: { __proto__: "1" }, json: { __proto__: { a: 1 } } }
          extract: { __proto__: { header: x } }
`);
    expect(result.ok ? [] : result.problems).toEqual([
      { path: 'spec.feeders.__proto__', message: PROTO_KEY_MESSAGE },
      { path: 'spec.scenarios.s.flow[0].request.query.__proto__', message: PROTO_KEY_MESSAGE },
      { path: 'spec.scenarios.s.flow[0].extract.__proto__', message: PROTO_KEY_MESSAGE },
    ]);
  });
});

describe('header names and values', () => {
  const NAME_HINT = /^key "x y:" is not an HTTP header name \(letters, digits and/;

  it('a header name that is not an RFC 9110 token is refused wherever headers are declared', () => {
    const bad = { 'x y:': '1' };
    expect(problems(manifest({ target: { baseURL: 'http://127.0.0.1:9', headers: bad } }))).toEqual([
      { path: 'spec.target.headers["x y:"]', message: expect.stringMatching(NAME_HINT) },
    ]);
    expect(problems(manifest({}, { request: { url: '/', headers: bad } }))).toEqual([
      { path: 'spec.scenarios.s.flow[0].request.headers["x y:"]', message: expect.stringMatching(NAME_HINT) },
    ]);
    expect(problems(manifest({}, { name: 'w', ws: { url: '/ws', headers: bad } }))).toEqual([
      { path: 'spec.scenarios.s.flow[0].ws.headers["x y:"]', message: expect.stringMatching(NAME_HINT) },
    ]);
  });

  it('a gRPC metadata key outside letters, digits, -, _ and . is refused', () => {
    const grpc = { service: 'demo.Greeter', method: 'Hello', proto: 'demo.proto', metadata: { 'a b': '1' } };
    const value = manifest({ target: { baseURL: 'grpc://127.0.0.1:9' } }, { grpc });
    expect(problems(value)).toEqual([
      {
        path: 'spec.scenarios.s.flow[0].grpc.metadata["a b"]',
        message: 'key "a b" is not a gRPC metadata key (letters, digits, -, _ and .)',
      },
    ]);
  });

  it('every token character is accepted in a name', () => {
    const headers = { "x-A9!#$%&'*+.^_`|~": 'v', constructor: 'c', toString: 't' };
    expect(problems(manifest({}, { request: { url: '/', headers } }))).toEqual([]);
  });

  it('a literal value with CR, LF or NUL is refused; a templated one is checked per request', () => {
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\u0000b']) {
      expect(problems(manifest({}, { request: { url: '/', headers: { 'x-v': value } } }))).toEqual([
        {
          path: 'spec.scenarios.s.flow[0].request.headers.x-v',
          message: `${JSON.stringify(value)} is not a value without CR, LF or NUL characters`,
        },
      ]);
    }
    const templated = manifest(
      { env: { X: 'a\r\nb' } },
      { request: { url: '/', headers: { 'x-v': '${env.X}' } } },
    );
    expect(problems(templated)).toEqual([]);
  });
});

describe('manifest files', () => {
  const doc = `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: one }
spec:
  target: { baseURL: "http://127.0.0.1:9" }
  scenarios: { s: { executor: shared-iterations, vus: 1, iterations: 1, flow: [ { request: { url: / } } ] } }
`;

  it('more than one YAML document is refused, naming how many', () => {
    for (const [text, n] of [
      [`${doc}---\n${doc}`, 2],
      [`${doc}---\n${doc}---\n${doc}`, 3],
      [`${doc}---\nfoo: bar\n`, 2],
    ] as const) {
      const result = parseManifest(text);
      expect(result.ok ? [] : result.problems).toEqual([
        {
          path: '(document)',
          message: `one LoadTest per file; found ${n} YAML documents (separated by ---): put each in its own file`,
        },
      ]);
    }
  });

  it('a leading ---, a trailing --- or a comment-only document is still one document', () => {
    for (const text of [`---\n${doc}`, `${doc}---\n`, `${doc}---\n# nothing here\n`]) {
      expect(parseManifest(text).ok, text).toBe(true);
    }
  });
});

describe('HTTP statuses outside 100..599', () => {
  it('are http_invalid_status, never a 5xx or a success', () => {
    for (const status of [999, 600, 700, 99, 42, 0, Number.NaN]) {
      expect(classifyStatus(status), String(status)).toBe('http_invalid_status');
    }
    expect(classifyStatus(599)).toBe('http_5xx');
    expect(classifyStatus(500)).toBe('http_5xx');
    expect(classifyStatus(499)).toBe('http_4xx');
    expect(classifyStatus(100)).toBeUndefined();
    expect(classifyStatus(200)).toBeUndefined();
  });
});
