/**
 * Every cross-field rule of a LoadTest, once. The CLI (and the controller) judge them with `ruleProblems`;
 * src/manifest/crd.ts writes them as the CRD's CEL rules; test/e2e/cross-field-parity.test.ts runs each one
 * through both. The executor field rules are derived from each executor's required and optional fields.
 */
import { SCENARIO_FIELDS } from '../api/schema-json.generated.js';
import { COMMON_FIELDS } from '../engine/executor.js';
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';
import type { CrossFieldRule, Takes } from './cross-field.js';

const executors = Object.values(EXECUTOR_REGISTRY);

/** Per executor: the fields it takes, as messages list them. */
export const EXECUTOR_TAKES: Takes = Object.fromEntries(
  executors.map((e) => [e.type, [...e.required, ...e.optional].join(', ')]),
);

/** A field an executor needs: reported at the field when missing. */
const requiredFields: CrossFieldRule[] = [...new Set(executors.flatMap((e) => e.required))].map((field) => ({
  node: 'scenario',
  check: {
    kind: 'required',
    field,
    when: { field: 'executor', in: executors.filter((e) => e.required.includes(field)).map((e) => e.type) },
  },
  at: field,
  message: 'is required by executor {executor} (it takes {takes})',
}));

/** A field the executor does not take: reported at the field when present. */
const unusedFields: CrossFieldRule[] = SCENARIO_FIELDS.filter(
  (field) => !(COMMON_FIELDS as readonly string[]).includes(field),
).map((field) => ({
  node: 'scenario',
  check: {
    kind: 'forbidden',
    field,
    when: {
      field: 'executor',
      in: executors
        .filter((e) => ![...e.required, ...e.optional].includes(field as never))
        .map((e) => e.type),
    },
  },
  at: field,
  message: 'is not used by executor {executor}; it takes {takes}',
}));

const onlyWithRateLevels = (['timeUnit', 'preAllocatedVUs', 'maxVUs'] as const).map(
  (field): CrossFieldRule => ({
    node: 'scenario',
    check: { kind: 'forbidden', field, when: { field: 'levels.unit', in: ['vus'] } },
    at: field,
    message: 'only applies to levels.unit: rate',
  }),
);

const scenarioRules: CrossFieldRule[] = [
  ...requiredFields,
  ...unusedFields,
  {
    node: 'scenario',
    check: { kind: 'atLeast', field: 'maxVUs', than: 'preAllocatedVUs' },
    at: 'maxVUs',
    message: 'must be at least preAllocatedVUs',
  },
  {
    node: 'scenario',
    check: {
      kind: 'atLeast',
      field: 'iterations',
      than: 'vus',
      when: { field: 'executor', in: ['shared-iterations'] },
    },
    at: 'iterations',
    message: 'must be at least vus, or some VUs would never run',
  },
  {
    node: 'scenario',
    check: {
      kind: 'nonEmpty',
      field: 'stages',
      when: { field: 'executor', in: ['ramping-vus', 'ramping-arrival-rate'] },
    },
    at: 'stages',
    message: 'needs at least 1 stage',
  },
  {
    node: 'scenario',
    check: { kind: 'atLeast', field: 'levels.max', than: 'levels.start' },
    at: 'levels.max',
    message: 'must be at least levels.start',
  },
  {
    node: 'scenario',
    check: { kind: 'required', field: 'preAllocatedVUs', when: { field: 'levels.unit', in: ['rate'] } },
    at: 'preAllocatedVUs',
    message: 'is required with levels.unit: rate',
  },
  ...onlyWithRateLevels,
  {
    // Arrivals are not VUs a lowered target ramps down: the field would be accepted and ignored.
    node: 'scenario',
    check: { kind: 'forbidden', field: 'gracefulRampDown', when: { field: 'levels.unit', in: ['rate'] } },
    at: 'gracefulRampDown',
    message: 'only applies to levels.unit: vus',
  },
];

/** What a step does: one of these at most. */
export const STEP_KINDS = ['request', 'steps', 'choice', 'ws', 'pg', 'grpc'] as const;

const oneOf = (
  node: CrossFieldRule['node'],
  at: string,
  fields: readonly string[],
  message: string,
  extra: { atMost?: boolean; celFields?: readonly string[]; join?: string } = {},
): CrossFieldRule => ({ node, at, message, check: { kind: 'oneOf', fields, ...extra } });

const nodeRules: CrossFieldRule[] = [
  oneOf(
    'step',
    '',
    STEP_KINDS,
    'has {found}; a step is one of: request, ws, pg, steps (with group/repeat), choice, grpc',
    { atMost: true, join: ' and ' },
  ),
  oneOf('think', '', ['constant', 'uniform', 'poisson'], 'needs exactly one of constant, uniform, poisson'),
  oneOf('extractor', '', ['json', 'header', 'regex'], 'needs exactly one of json, header, regex'),
  // `json` holds any JSON value, which CEL cannot type: the apiserver checks the typed pair.
  oneOf(
    'wsMessage',
    '',
    ['text', 'json', 'binary'],
    'a message needs exactly one of text, json, binary (found {found})',
    {
      celFields: ['text', 'binary'],
    },
  ),
  oneOf(
    'wsExpect',
    '',
    ['any', 'text', 'json'],
    'expect needs exactly one of any, text, json (found {found})',
  ),
  oneOf('pgUrl', '', ['url', 'urlFrom'], 'has both url and urlFrom; use one', { atMost: true }),
  oneOf(
    'pgStep',
    '',
    ['query', 'transaction'],
    'a pg step needs exactly one of query, transaction (found {found})',
  ),
  oneOf(
    'feeder',
    '',
    ['inline', 'csv', 'json', 'configMap'],
    'needs exactly one of inline, csv, json, configMap (found {found})',
  ),
];

/** Flow control, the per-VU lifecycle and custom metrics (validate-control.ts checks the rest: conditions). */
const controlRules: CrossFieldRule[] = [
  {
    node: 'step',
    check: { kind: 'needs', field: 'retry', needs: 'request' },
    at: 'retry',
    message: 'only applies to a step with a request',
  },
  ...(['metric', 'metrics'] as const).map(
    (field): CrossFieldRule => ({
      node: 'step',
      check: { kind: 'needs', field, needs: 'request' },
      at: field,
      message: 'only applies to a step with a request',
    }),
  ),
  {
    node: 'step',
    check: { kind: 'needs', field: 'loop', needs: 'steps' },
    at: 'loop',
    message: 'needs steps to run',
  },
  oneOf('step', 'loop', ['loop', 'repeat'], 'use loop or repeat, not both', { atMost: true }),
  oneOf('step', 'extract', ['grpc', 'extract'], 'does not apply to a grpc step', { atMost: true }),
  {
    node: 'retry',
    check: { kind: 'notLonger', field: 'backoff', than: 'maxBackoff' },
    at: 'backoff',
    message: 'must not exceed maxBackoff',
  },
  {
    node: 'retry',
    check: { kind: 'anyOf', fields: ['statuses', 'errors'] },
    at: '',
    message: 'needs statuses and/or errors: what to retry, e.g. statuses: [401, 503]',
  },
  {
    node: 'refresh',
    check: { kind: 'anyOf', fields: ['every', 'if'] },
    at: '',
    message: 'needs every and/or if: when to refresh, e.g. every: 50s or if: "last.status == 401"',
  },
];

export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [...scenarioRules, ...nodeRules, ...controlRules];
