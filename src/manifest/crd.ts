/**
 * Generates the LoadTest CustomResourceDefinition from the one schema. TypeBox emits JSON Schema; a CRD needs
 * a structural OpenAPI v3 subset, so maps become additionalProperties, unions of a string and an object are
 * preserved and checked with CEL, and the cross-field rules the CLI enforces are written as CEL too.
 */
import { stringify } from 'yaml';
import { API_VERSION, KIND, Scenario as ScenarioSchema, LoadTestSpec as SpecSchema } from '../api/schema.js';
import { LoadTestStatus as StatusSchema } from '../api/status-schema.js';
import { COMMON_FIELDS } from '../engine/executor.js';
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';

export const GROUP = API_VERSION.split('/')[0] as string;
export const VERSION = API_VERSION.split('/')[1] as string;
export const PLURAL = 'loadtests';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

type Json = Record<string, unknown>;

interface Validation {
  rule: string;
  message: string;
}

/** Keywords a structural schema keeps as they are. */
const COPIED = [
  'type',
  'description',
  'enum',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;

/**
 * Converts one JSON-schema node. `nesting` counts list levels: cross-field rules are attached only up to
 * MAX_RULE_NESTING, because CEL's cost estimate multiplies through every enclosing list and nested steps
 * would exceed the apiserver's budget; deeper levels are checked by the controller, with the CLI's rules.
 */
export function structural(
  schema: Json,
  extraRules: (s: Json) => Validation[] = () => [],
  nesting = 0,
): Json {
  if (schema['x-kubernetes-preserve-unknown-fields']) return { 'x-kubernetes-preserve-unknown-fields': true };
  if (Array.isArray(schema.anyOf)) {
    // Our only union is "a string or an object" (threshold rules). CEL cannot type an untyped value, so the
    // apiserver keeps it as is and the controller's validation (the same as the CLI's) checks its shape.
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  const out: Json = {};
  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key];
  if (schema.const !== undefined) out.enum = [schema.const];
  if (typeof schema.exclusiveMinimum === 'number') {
    // OpenAPI v3.0 spells exclusive bounds as a boolean beside minimum.
    out.minimum = schema.exclusiveMinimum;
    out.exclusiveMinimum = true;
  }
  const rules: Validation[] = nesting <= MAX_RULE_NESTING ? [...extraRules(schema)] : [];
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, Json>).map(([k, v]) => [
        k,
        structural(v, extraRules, nesting),
      ]),
    );
    if (Array.isArray(schema.required) && schema.required.length) out.required = schema.required;
  }
  if (schema.patternProperties) {
    const [[pattern, value]] = Object.entries(schema.patternProperties as Record<string, Json>) as [
      [string, Json],
    ];
    if (value['x-kubernetes-preserve-unknown-fields']) {
      // A map of arbitrary JSON: an object that keeps unknown fields is something CEL can still type.
      return {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        ...pick(out, ['maxProperties', 'description']),
      };
    }
    out.additionalProperties = structural(value, extraRules, nesting);
    if (pattern !== '^(.*)$' && nesting <= MAX_RULE_NESTING) {
      rules.push({
        rule: `self.all(k, k.matches('${pattern.replace(/\\/g, '\\\\')}'))`,
        message: `keys must match ${pattern}`,
      });
    }
  }
  if (schema.items) out.items = structural(schema.items as Json, extraRules, nesting + 1);
  if (rules.length) out['x-kubernetes-validations'] = rules;
  return out;
}

/** Top-level flow steps (one list deep) carry CEL rules; nested steps are checked by the controller. */
const MAX_RULE_NESTING = 1;

function pick(o: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The executor field rules the CLI checks, as CEL on a scenario. */
export function scenarioRules(): Validation[] {
  const all = Object.keys((ScenarioSchema as unknown as Json).properties as Json);
  const rules: Validation[] = [];
  for (const executor of Object.values(EXECUTOR_REGISTRY)) {
    const when = `self.executor != '${executor.type}'`;
    if (executor.required.length) {
      rules.push({
        rule: `${when} || (${executor.required.map((f) => `has(self.${f})`).join(' && ')})`,
        message: `executor ${executor.type} requires ${executor.required.join(', ')}`,
      });
    }
    const allowed = new Set<string>([...COMMON_FIELDS, ...executor.required, ...executor.optional]);
    const unused = all.filter((f) => !allowed.has(f));
    if (unused.length) {
      rules.push({
        rule: `${when} || !(${unused.map((f) => `has(self.${f})`).join(' || ')})`,
        message: `executor ${executor.type} takes only ${[...executor.required, ...executor.optional].join(', ')}`,
      });
    }
  }
  rules.push({
    rule: '!has(self.maxVUs) || !has(self.preAllocatedVUs) || self.maxVUs >= self.preAllocatedVUs',
    message: 'maxVUs must be at least preAllocatedVUs',
  });
  rules.push({
    rule: "self.executor != 'shared-iterations' || !has(self.vus) || !has(self.iterations) || self.iterations >= self.vus",
    message: 'shared-iterations needs iterations >= vus',
  });
  rules.push({
    rule: "!(self.executor in ['ramping-vus', 'ramping-arrival-rate']) || (has(self.stages) && size(self.stages) > 0)",
    message: 'ramping executors need at least 1 stage',
  });
  rules.push({
    rule: '!has(self.levels) || self.levels.max >= self.levels.start',
    message: 'levels.max must be at least levels.start',
  });
  rules.push({
    rule: "!has(self.levels) || self.levels.unit != 'rate' || has(self.preAllocatedVUs)",
    message: 'levels.unit rate needs preAllocatedVUs',
  });
  rules.push({
    rule: "!has(self.levels) || self.levels.unit != 'vus' || !(has(self.timeUnit) || has(self.preAllocatedVUs) || has(self.maxVUs))",
    message: 'timeUnit, preAllocatedVUs and maxVUs only apply to levels.unit rate',
  });
  return rules;
}

/** Rules attached to schema nodes recognised by their properties. */
function nodeRules(schema: Json): Validation[] {
  const props = (schema.properties ?? {}) as Json;
  if ('request' in props && 'think' in props) {
    // ws and pg last: the message keeps reading "at most one of request, steps, choice, ..." as before.
    const kinds = ['request', 'steps', 'choice', 'ws', 'pg'].filter((k) => k in props);
    return kinds.length > 1
      ? [
          {
            rule: `[${kinds.map((k) => `has(self.${k})`).join(', ')}].filter(x, x).size() <= 1`,
            message: `a step has at most one of ${kinds.join(', ')}`,
          },
        ]
      : [];
  }
  if ('constant' in props && 'poisson' in props) {
    return [
      {
        rule: '[has(self.constant), has(self.uniform), has(self.poisson)].filter(x, x).size() == 1',
        message: 'think needs exactly one of constant, uniform, poisson',
      },
    ];
  }
  if ('json' in props && 'header' in props && 'regex' in props) {
    return [
      {
        rule: '[has(self.json), has(self.header), has(self.regex)].filter(x, x).size() == 1',
        message: 'an extractor needs exactly one of json, header, regex',
      },
    ];
  }
  if ('text' in props && 'binary' in props) {
    return [
      {
        // `json` holds any JSON value, which CEL cannot type, so the apiserver checks the typed pair and the
        // controller's validation (the CLI's) enforces exactly one of the three.
        rule: '[has(self.text), has(self.binary)].filter(x, x).size() <= 1',
        message: 'a WebSocket message needs exactly one of text, json, binary',
      },
    ];
  }
  if ('any' in props && 'text' in props) {
    return [
      {
        rule: '[has(self.any), has(self.text), has(self.json)].filter(x, x).size() == 1',
        message: 'expect needs exactly one of any, text, json',
      },
    ];
  }
  if ('urlFrom' in props) {
    const oneUrl = { rule: '!(has(self.url) && has(self.urlFrom))', message: 'use url or urlFrom, not both' };
    return 'transaction' in props
      ? [
          oneUrl,
          {
            rule: 'has(self.query) != has(self.transaction)',
            message: 'a pg step needs exactly one of query, transaction',
          },
        ]
      : [oneUrl];
  }
  if ('inline' in props && 'csv' in props) {
    return [
      {
        rule: '[has(self.inline), has(self.csv), has(self.json), has(self.configMap)].filter(x, x).size() == 1',
        message: 'a feeder needs exactly one of inline, csv, json, configMap',
      },
    ];
  }
  if ('executor' in props && 'flow' in props) return scenarioRules();
  return [];
}

const PRINTER_COLUMNS = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Runners', type: 'string', jsonPath: '.status.runners.display' },
  { name: 'RPS', type: 'number', jsonPath: '.status.rps' },
  { name: 'P95(ms)', type: 'number', jsonPath: '.status.p95Ms' },
  { name: 'Errors', type: 'string', jsonPath: '.status.errors' },
  { name: 'Verdict', type: 'string', jsonPath: '.status.verdict' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function loadTestCRD(): Json {
  const spec = structural(SpecSchema as unknown as Json, nodeRules);
  spec['x-kubernetes-validations'] = [
    ...((spec['x-kubernetes-validations'] as Validation[] | undefined) ?? []),
    {
      rule: 'self == oldSelf',
      message:
        'spec cannot change once the LoadTest exists; delete it and create a new one to run a different test',
    },
  ];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'loadtest',
        shortNames: ['lt'],
        categories: ['stampede', 'all-loadtests'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A distributed load test: runners generate the load described in spec; status holds merged results.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status: structural(StatusSchema as unknown as Json),
              },
            },
          },
        },
      ],
    },
  };
}

export function renderCRDYaml(): string {
  return `# Generated from src/api/schema.ts by \`npm run gen:crd\`. Do not edit by hand.\n${stringify(loadTestCRD(), { lineWidth: 0 })}`;
}
