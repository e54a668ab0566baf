import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { RUNNERS, shardCountProblems } from '../../src/engine/shard-count.js';
import { loadCredentials } from '../../src/kube/kubeconfig.js';
import { type CrossFieldRule, ruleHolds, ruleProblems } from '../../src/manifest/cross-field.js';
import { CROSS_FIELD_RULES, EXECUTOR_TAKES } from '../../src/manifest/cross-field-rules.js';
import { MORE_SCENARIOS, SHARD_COUNT_FIELD } from '../../src/manifest/shard-count-rule.js';
import { type Problem, validateLoadTest } from '../../src/manifest/validate.js';
import {
  BUILD_HINT,
  type ControlPlane,
  kubectl,
  missingBinaries,
  repoRoot,
  startControlPlane,
} from '../cluster/control-plane.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * Every cross-field rule (src/manifest/cross-field-rules.ts) through both validators: the real apiserver with
 * the committed CRD's CEL, and the CLI's validateLoadTest. Each case breaks one rule; both must reject it at
 * the same field with the same message. CEL sits on top-level flow steps only (CEL cost), so cases use those.
 */
type Json = Record<string, unknown>;

/** A valid value for each field a case may set. */
const SAMPLE: Json = {
  vus: 1,
  duration: '1s',
  iterations: 2,
  maxDuration: '2s',
  startVUs: 1,
  stages: [{ duration: '1s', target: 1 }],
  gracefulRampDown: '1s',
  rate: 1,
  startRate: 1,
  timeUnit: '1s',
  preAllocatedVUs: 1,
  maxVUs: 2,
  levels: { unit: 'vus', start: 1, step: 1, max: 2, duration: '1s' },
  stopWhen: ['p(95)>1s'],
  recovery: { duration: '1s' },
  // step kinds
  request: { url: '/' },
  steps: [{ request: { url: '/x' } }],
  choice: [{ weight: 1, steps: [{ request: { url: '/y' } }] }],
  ws: { url: '/ws' },
  pg: { query: 'select 1' },
  grpc: { service: 'demo.Greeter', method: 'Hello', proto: 'demo.proto' },
  extract: { token: { json: '$.token' } },
  // think, extractor, WebSocket message and expect, PostgreSQL, feeder
  constant: '1s',
  uniform: { min: '1s', max: '2s' },
  poisson: { mean: '1s' },
  json: '$.a',
  header: 'x-a',
  regex: 'a(.*)',
  text: 'hi',
  binary: 'AAEC',
  any: true,
  query: 'select 1',
  transaction: [{ query: 'select 1' }],
  url: 'postgres://u@127.0.0.1:5432/d',
  urlFrom: { secretKeyRef: { name: 'db', key: 'url' } },
  inline: [{ user: 'a' }],
  csv: 'users.csv',
  configMap: { name: 'users', key: 'users.csv' },
  // flow control, lifecycle and custom metrics
  retry: { max: 1, statuses: [503] },
  metric: { name: 'queue_position', type: 'trend', value: '1' },
  metrics: [{ name: 'cache_hits', type: 'rate', value: '1' }],
  loop: { until: 'last.ok', max: 2 },
  repeat: 2,
};

/** The fields an anyOf node needs besides the ones its rule is about. */
const ANY_OF_BASE: Record<string, Json> = {
  retry: { max: 1 },
  refresh: { steps: [{ request: { url: '/t' } }] },
};

const pick = (fields: readonly string[]): Json => Object.fromEntries(fields.map((f) => [f, SAMPLE[f]]));

function validScenario(executor: string): Json {
  return { executor, ...pick(EXECUTOR_REGISTRY[executor as keyof typeof EXECUTOR_REGISTRY].required) };
}

interface Case {
  rule: CrossFieldRule;
  name: string;
  /** The node that breaks the rule. */
  node: Json;
}

/** Where each rule node sits in a manifest, and the CLI path of that place. */
function place(rule: CrossFieldRule, node: Json): { spec: Json; path: string } {
  const flow = (step: Json) => ({ scenarios: { s: { ...validScenario('constant-vus'), flow: [step] } } });
  const at = 'spec.scenarios.s.flow[0]';
  switch (rule.node) {
    case 'scenario':
      return {
        spec: { scenarios: { s: { ...node, flow: [{ request: { url: '/' } }] } } },
        path: 'spec.scenarios.s',
      };
    case 'step':
      return { spec: flow(node), path: at };
    case 'think':
      return { spec: flow({ request: { url: '/' }, think: node }), path: `${at}.think` };
    case 'extractor':
      return { spec: flow({ request: { url: '/' }, extract: { t: node } }), path: `${at}.extract.t` };
    case 'wsMessage':
      return { spec: flow({ name: 'w', ws: { url: '/ws', send: node } }), path: `${at}.ws.send` };
    case 'wsExpect':
      return {
        spec: flow({ name: 'w', ws: { url: '/ws', send: { text: 'hi' }, expect: node } }),
        path: `${at}.ws.expect`,
      };
    case 'pgStep':
      return {
        spec: { ...flow({ name: 'q', pg: node }), postgres: { url: SAMPLE.url } },
        path: `${at}.pg`,
      };
    case 'pgUrl':
      return { spec: { ...flow({ request: { url: '/' } }), postgres: node }, path: 'spec.postgres' };
    case 'feeder':
      return { spec: { ...flow({ request: { url: '/' } }), feeders: { f: node } }, path: 'spec.feeders.f' };
    case 'retry':
      return { spec: flow({ request: { url: '/' }, retry: node }), path: `${at}.retry` };
    case 'refresh': {
      const scenario = { ...validScenario('constant-vus'), flow: [{ request: { url: '/' } }] };
      return {
        spec: { scenarios: { s: { ...scenario, lifecycle: { refresh: node } } } },
        path: 'spec.scenarios.s.lifecycle.refresh',
      };
    }
  }
}

/** Scenario rules the generic cases below cannot build. */
const SCENARIO_CASES: Record<string, Json> = {
  'must be at least preAllocatedVUs': {
    ...validScenario('constant-arrival-rate'),
    preAllocatedVUs: 5,
    maxVUs: 2,
  },
  'must be at least vus, or some VUs would never run': {
    ...validScenario('shared-iterations'),
    vus: 3,
    iterations: 2,
  },
  'must be at least levels.start': {
    executor: 'breakpoint',
    levels: { unit: 'vus', start: 5, step: 1, max: 2, duration: '1s' },
  },
  'is required with levels.unit: rate': {
    executor: 'breakpoint',
    levels: { unit: 'rate', start: 1, step: 1, max: 2, duration: '1s' },
  },
};

/** One or more nodes that break the rule (one per executor it names). */
function casesOf(rule: CrossFieldRule): Case[] {
  const c = rule.check;
  const one = (name: string, node: Json): Case => ({ rule, name, node });
  if (c.kind === 'oneOf')
    return [one(`${rule.node}: ${c.fields.join('/')}`, pick((c.celFields ?? c.fields).slice(0, 2)))];
  if (c.kind === 'needs') return [one(`${c.field} without ${c.needs}`, pick([c.field]))];
  if (c.kind === 'anyOf')
    return [one(`${rule.node} without ${c.fields.join(' or ')}`, { ...ANY_OF_BASE[rule.node] })];
  if (c.kind === 'notLonger')
    // Mixed units and a decimal: both sides must read durations the same way.
    return [
      one(`${rule.node}: ${c.field} longer than ${c.than}`, {
        max: 3,
        statuses: [503],
        [c.field]: '1m30s',
        [c.than]: '1.5s',
      }),
    ];
  if (c.kind === 'nonEmpty')
    return c.when.in.map((e) => one(`${e} with empty ${c.field}`, { ...validScenario(e), [c.field]: [] }));
  if ((c.kind === 'required' || c.kind === 'forbidden') && c.when.field === 'executor') {
    return c.when.in.map((e) => {
      const node = validScenario(e);
      if (c.kind === 'required') delete node[c.field];
      else node[c.field] = SAMPLE[c.field];
      return one(`${e} ${c.kind === 'required' ? 'without' : 'with'} ${c.field}`, node);
    });
  }
  if (c.kind === 'forbidden' && c.when.field === 'levels.unit')
    return c.when.in.map((unit) => {
      const base = validScenario('breakpoint');
      // Rate levels need their arrivals' VUs (a rule of its own), so only the field under test breaks one.
      const vus = unit === 'rate' ? { preAllocatedVUs: SAMPLE.preAllocatedVUs } : {};
      const node = {
        ...base,
        levels: { ...(base.levels as Json), unit },
        ...vus,
        [c.field]: SAMPLE[c.field],
      };
      return one(`${unit} levels with ${c.field}`, node);
    });
  const node = SCENARIO_CASES[rule.message];
  if (!node) throw new Error(`no parity case for rule "${rule.message}"`);
  return [one(rule.message, node)];
}

const CASES = CROSS_FIELD_RULES.flatMap(casesOf);

function manifest(name: string, spec: Json): Json {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: { target: { baseURL: 'http://127.0.0.1:9' }, ...spec },
  };
}

/** The manifest of case i, and the problem both validators must report. */
function caseDoc(i: number): { doc: Json; expected: { path: string; message: string } } {
  const c = CASES[i] as Case;
  const { spec, path } = place(c.rule, c.node);
  const [expected] = ruleProblems([c.rule], c.rule.node, c.node, path, EXECUTOR_TAKES);
  if (!expected) throw new Error(`case ${c.name} does not break its rule`);
  return { doc: manifest(`case-${i}`, spec), expected };
}

/**
 * spec.runners against every open-model scenario's VUs (src/engine/shard-count.ts), a rule across two
 * fields that the CRD checks on spec. Cases come from the executor registry: every executor (breakpoint
 * with each levels unit) with each way of giving its VU pool, on one runner too many, on exactly enough,
 * each case otherwise valid. Whether a case must be refused is decided here, from the rule's definition.
 */
interface ShardCase {
  name: string;
  spec: Json;
  refused: boolean;
}

/** A VU pool of 3: preAllocatedVUs alone, or maxVUs above it. */
const POOLS: { name: string; fields: Json; vus: number }[] = [
  { name: 'preAllocatedVUs', fields: { preAllocatedVUs: 3 }, vus: 3 },
  { name: 'maxVUs', fields: { preAllocatedVUs: 1, maxVUs: 3 }, vus: 3 },
];

function shardCases(): ShardCase[] {
  const cases: ShardCase[] = [];
  const spec = (scenario: Json, runners: number, name = 's'): Json => ({
    runners,
    scenarios: { [name]: { ...scenario, flow: [{ request: { url: '/' } }] } },
  });
  for (const e of Object.values(EXECUTOR_REGISTRY)) {
    const takes: readonly string[] = [...e.required, ...e.optional];
    const units = takes.includes('levels') ? (['vus', 'rate'] as const) : ([undefined] as const);
    for (const unit of units) {
      const base = validScenario(e.type);
      if (unit) base.levels = { ...(base.levels as Json), unit };
      const open = e.model === 'open' || unit === 'rate';
      // VU pools only where the executor takes them (with VU levels a breakpoint does not).
      const pools = takes.includes('maxVUs') && unit !== 'vus' ? POOLS : [];
      for (const pool of pools) {
        const scenario = { ...base, ...pool.fields };
        const what = `${e.type}${unit ? ` (${unit} levels)` : ''} with ${pool.name}`;
        cases.push({ name: `${what}: runners = VUs + 1`, spec: spec(scenario, pool.vus + 1), refused: open });
        cases.push({ name: `${what}: runners = VUs`, spec: spec(scenario, pool.vus), refused: false });
      }
      if (!pools.length)
        cases.push({
          name: `${e.type}${unit ? ` (${unit} levels)` : ''}: 5 runners`,
          spec: spec(base, 5),
          refused: false,
        });
    }
  }
  const arrivals = { ...validScenario('constant-arrival-rate'), preAllocatedVUs: 2 };
  // A name starting with a digit is written ["..."] in a path; a scenario with room beside one without.
  cases.push({ name: 'a scenario named 1st', spec: spec(arrivals, 3, '1st'), refused: true });
  cases.push({
    name: 'one open-model scenario short of VUs beside one with room and a closed one',
    spec: {
      runners: 3,
      scenarios: {
        short: { ...arrivals, flow: [{ request: { url: '/' } }] },
        roomy: { ...arrivals, preAllocatedVUs: 3, flow: [{ request: { url: '/' } }] },
        closed: { ...validScenario('constant-vus'), flow: [{ request: { url: '/' } }] },
      },
    },
    refused: true,
  });
  cases.push({
    name: 'two open-model scenarios short of VUs',
    spec: {
      runners: 4,
      scenarios: {
        short: { ...arrivals, flow: [{ request: { url: '/' } }] },
        shorter: { ...arrivals, preAllocatedVUs: 1, maxVUs: 3, flow: [{ request: { url: '/' } }] },
      },
    },
    refused: true,
  });
  return cases;
}

const SHARD_CASES = shardCases();

/**
 * Header names (RFC 9110 tokens; gRPC metadata keys narrower) and literal values without CR, LF or NUL,
 * wherever headers are declared. The apiserver reports a bad key at the map (CEL names no key) and a bad
 * value at the value (OpenAPI pattern); the CLI names the key in both.
 */
interface HeaderCase {
  name: string;
  spec: Json;
  cli: { path: string; message: RegExp };
  server: { path: string; message: RegExp };
}

const HEADER_NAME = /^key "x y:" is not an HTTP header name \(letters, digits/;
const HEADER_NAME_CEL = /^keys must each be an HTTP header name \(letters, digits/;
const atStep = 'spec.scenarios.s.flow[0]';
const stepSpec = (step: Json, target: Json = {}) => ({
  target: { baseURL: 'http://127.0.0.1:9', ...target },
  scenarios: { s: { ...validScenario('constant-vus'), flow: [step] } },
});

const HEADER_CASES: HeaderCase[] = [
  {
    name: 'target.headers name',
    spec: stepSpec({ request: { url: '/' } }, { headers: { 'x y:': '1' } }),
    cli: { path: 'spec.target.headers["x y:"]', message: HEADER_NAME },
    server: { path: 'spec.target.headers', message: HEADER_NAME_CEL },
  },
  {
    name: 'request.headers name',
    spec: stepSpec({ request: { url: '/', headers: { 'x y:': '1' } } }),
    cli: { path: `${atStep}.request.headers["x y:"]`, message: HEADER_NAME },
    server: { path: `${atStep}.request.headers`, message: HEADER_NAME_CEL },
  },
  {
    name: 'ws.headers name',
    spec: stepSpec({ name: 'w', ws: { url: '/ws', headers: { 'x y:': '1' } } }),
    cli: { path: `${atStep}.ws.headers["x y:"]`, message: HEADER_NAME },
    server: { path: `${atStep}.ws.headers`, message: HEADER_NAME_CEL },
  },
  {
    name: 'grpc.metadata key',
    spec: stepSpec(
      { grpc: { ...(SAMPLE.grpc as Json), metadata: { 'a b': '1' } } },
      { baseURL: 'grpc://127.0.0.1:9' },
    ),
    cli: { path: `${atStep}.grpc.metadata["a b"]`, message: /^key "a b" is not a gRPC metadata key/ },
    server: { path: `${atStep}.grpc.metadata`, message: /^keys must each be a gRPC metadata key/ },
  },
  {
    name: 'target.headers value with CR LF',
    spec: stepSpec({ request: { url: '/' } }, { headers: { 'x-v': 'a\r\nX-Injected: 1' } }),
    cli: { path: 'spec.target.headers.x-v', message: /is not a value without CR, LF or NUL characters$/ },
    server: { path: 'spec.target.headers.x-v', message: /should match/ },
  },
  {
    name: 'request.headers value with NUL',
    spec: stepSpec({ request: { url: '/', headers: { 'x-v': 'a\u0000b' } } }),
    cli: {
      path: `${atStep}.request.headers.x-v`,
      message: /is not a value without CR, LF or NUL characters$/,
    },
    server: { path: `${atStep}.request.headers.x-v`, message: /should match/ },
  },
];

/** Every RFC 9110 token character, and names that Object.prototype also has: valid on both sides. */
const VALID_HEADERS = stepSpec(
  { request: { url: '/', headers: { "x-A9!#$%&'*+.^_`|~": 'v', constructor: 'c' } } },
  { headers: { toString: 't' } },
);

/**
 * The CLI's problems for a shard case, and the messages the apiserver may give at spec.runners: one CLI
 * problem with its path (whichever CEL's map order meets first), counting the others.
 */
function shardExpected(c: ShardCase): { cli: Problem[]; server: string[] } {
  const spec = c.spec as { runners: number; scenarios: Record<string, Scenario> };
  const cli = shardCountProblems(spec.scenarios, spec.runners, RUNNERS);
  const more = cli.length > 1 ? MORE_SCENARIOS.replace('{more}', String(cli.length - 1)) : '';
  return { cli, server: cli.map((p) => `${p.path}: ${p.message}${more}`) };
}

interface Cause {
  field?: string;
  message?: string;
}

describe('cross-field parity cases', () => {
  it('every rule has at least one case, and each case breaks its rule', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(CROSS_FIELD_RULES));
    for (const c of CASES) expect(ruleHolds(c.rule.check, c.node), c.name).toBe(false);
  });

  it('shard-count cases cover a refusal for every open-model executor and each VU pool field', () => {
    const refused = SHARD_CASES.filter((c) => c.refused).map((c) => c.name);
    for (const e of Object.values(EXECUTOR_REGISTRY).filter((x) => x.model === 'open'))
      for (const pool of POOLS) expect(refused).toContain(`${e.type} with ${pool.name}: runners = VUs + 1`);
    for (const pool of POOLS)
      expect(refused).toContain(`breakpoint (rate levels) with ${pool.name}: runners = VUs + 1`);
    expect(SHARD_CASES.filter((c) => !c.refused).length).toBeGreaterThan(refused.length);
  });

  it.each(SHARD_CASES.map((c) => [c.name, c] as const))('the CLI on spec.runners: %s', (_name, c) => {
    const { cli } = shardExpected(c);
    expect(cli.length > 0).toBe(c.refused);
    // Exactly the shard-count problems: the case breaks no other rule.
    const result = validateLoadTest(manifest('shards', c.spec));
    expect(result.ok ? [] : result.problems).toEqual(cli);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('the CLI rejects: %s', (_name, i) => {
    const { doc, expected } = caseDoc(i);
    const cli = validateLoadTest(doc);
    expect(cli.ok ? [] : cli.problems).toContainEqual(expected);
  });
});

describe('cross-field rules: the apiserver (CEL) and the CLI agree on every rule', () => {
  let cp: ControlPlane;
  let dryRunCreate: (body: Json) => Promise<{ status: number; causes: Cause[] }>;

  beforeAll(async () => {
    const missing = missingBinaries();
    if (missing.length)
      throw new Error(`control-plane binaries missing (${missing.join(', ')}): run \`${BUILD_HINT}\``);
    cp = await startControlPlane({
      workDir: join(mkdtempSync(join(tmpdir(), 'stampede-parity-')), 'cp'),
    });
    await kubectl(cp, ['apply', '--server-side', '-f', join(repoRoot(), 'crds/loadtests.stampede.dev.yaml')]);
    await pollUntil('the LoadTest CRD to be established', 60_000, async () => {
      const crd = JSON.parse(await kubectl(cp, ['get', 'crd', 'loadtests.stampede.dev', '-o', 'json'])) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
    const creds = loadCredentials(cp.kubeconfigPath);
    const agent = new Agent({ connect: { ca: creds.ca, cert: creds.cert, key: creds.key } });
    dryRunCreate = async (body) => {
      const res = await request(
        `${cp.server}/apis/stampede.dev/v1alpha1/namespaces/default/loadtests?dryRun=All`,
        {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        },
      );
      const status = JSON.parse(await res.body.text()) as { details?: { causes?: Cause[] } };
      return { status: res.statusCode, causes: status.details?.causes ?? [] };
    };
  }, 180_000);
  afterAll(() => cp?.stop());

  it('a manifest that breaks no rule passes both', async () => {
    const { spec } = place(CROSS_FIELD_RULES[0] as CrossFieldRule, validScenario('constant-vus'));
    expect(validateLoadTest(manifest('valid', spec))).toMatchObject({ ok: true });
    expect(await dryRunCreate(manifest('valid', spec))).toEqual({ status: 201, causes: [] });
  });

  it('header names of every token character pass both', async () => {
    expect(validateLoadTest(manifest('headers-valid', VALID_HEADERS))).toMatchObject({ ok: true });
    expect(await dryRunCreate(manifest('headers-valid', VALID_HEADERS))).toEqual({ status: 201, causes: [] });
  });

  it.each(HEADER_CASES.map((c, i) => [c.name, c, i] as const))('headers: %s', async (_name, c, i) => {
    const doc = manifest(`headers-${i}`, c.spec);
    const cli = validateLoadTest(doc);
    expect(cli.ok ? [] : cli.problems).toEqual([
      { path: c.cli.path, message: expect.stringMatching(c.cli.message) },
    ]);
    const server = await dryRunCreate(doc);
    expect(server.status).toBe(422);
    const causes = server.causes.map((k) => ({
      path: (k.field ?? '').replace(/\[([A-Za-z_][\w-]*)\]/g, '.$1'),
      message: (k.message ?? '').replace(/^Invalid value: ("(object|string)": )?("[^"]*": )?/, ''),
    }));
    expect(causes).toContainEqual({ path: c.server.path, message: expect.stringMatching(c.server.message) });
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, i) => {
    const { doc, expected } = caseDoc(i);
    const cli = validateLoadTest(doc);
    expect(cli.ok ? [] : cli.problems).toContainEqual(expected);

    const server = await dryRunCreate(doc);
    expect(server.status).toBe(422);
    // The apiserver writes map keys as [s]; the CLI as .s. Its message is `Invalid value: <message>` (with `"object": ` when the rule has a fixed message).
    const causes = server.causes.map((k) => ({
      path: (k.field ?? '').replace(/\[([A-Za-z_][\w-]*)\]/g, '.$1'),
      message: (k.message ?? '').replace(/^Invalid value: ("object": )?/, ''),
    }));
    expect(causes).toContainEqual(expected);
  });

  it.each(SHARD_CASES.map((c, i) => [c.name, c, i] as const))('spec.runners: %s', async (_name, c, i) => {
    const { cli, server: expected } = shardExpected(c);
    const doc = manifest(`shards-${i}`, c.spec);
    const result = validateLoadTest(doc);
    expect(result.ok ? [] : result.problems).toEqual(cli);

    const server = await dryRunCreate(doc);
    expect(server.status).toBe(c.refused ? 422 : 201);
    const causes = server.causes.map((k) => ({
      path: k.field ?? '',
      message: (k.message ?? '').replace(/^Invalid value: ("\w+": )?/, ''),
    }));
    if (!c.refused) expect(causes).toEqual([]);
    else {
      expect(causes).toHaveLength(1);
      expect(causes[0]?.path).toBe(`spec${SHARD_COUNT_FIELD}`);
      expect(expected).toContain(causes[0]?.message);
    }
  });
});
