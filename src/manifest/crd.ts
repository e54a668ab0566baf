/**
 * Generates the LoadTest CustomResourceDefinition from the one schema. TypeBox emits JSON Schema; a CRD needs
 * a structural OpenAPI v3 subset, so maps become additionalProperties, unions of a string and an object are
 * preserved and checked with CEL, and the cross-field rules the CLI enforces are written as CEL too.
 */
import { stringify } from 'yaml';
import { LOAD_TEST_SCHEMA, LOAD_TEST_STATUS_SCHEMA } from '../api/schema-json.generated.js';
import { API_VERSION, KIND } from '../api/spec-constants.js';
import { type CelValidation, celRule, type RuleNode } from './cross-field.js';
import { CROSS_FIELD_RULES, EXECUTOR_TAKES } from './cross-field-rules.js';
import { SHARD_COUNT_RULE } from './shard-count-rule.js';

export const GROUP = API_VERSION.split('/')[0] as string;
export const VERSION = API_VERSION.split('/')[1] as string;
export const PLURAL = 'loadtests';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

type Json = Record<string, unknown>;

type Validation = CelValidation;

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
        message:
          typeof schema['x-key-hint'] === 'string'
            ? `keys must each be ${schema['x-key-hint']}`
            : `keys must match ${pattern}`,
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

/** Which rule node a schema node is, recognised by its properties. */
function ruleNodes(schema: Json): RuleNode[] {
  const props = (schema.properties ?? {}) as Json;
  const has = (...keys: string[]) => keys.every((k) => k in props);
  // Steps that can nest (flow steps); lifecycle steps are flat, so the step rules' CEL (which names steps
  // and choice) would not compile there: the controller checks them with the CLI's rules, as nested steps.
  if (has('request', 'think', 'steps')) return ['step'];
  if (has('constant', 'poisson')) return ['think'];
  if (has('json', 'header', 'regex')) return ['extractor'];
  if (has('text', 'binary')) return ['wsMessage'];
  if (has('any', 'text')) return ['wsExpect'];
  if (has('urlFrom')) return has('transaction') ? ['pgStep', 'pgUrl'] : ['pgUrl'];
  if (has('inline', 'csv')) return ['feeder'];
  if (has('executor', 'flow')) return ['scenario'];
  if (has('max', 'statuses', 'errors')) return ['retry'];
  if (has('every', 'if', 'steps')) return ['refresh'];
  return [];
}

/** The cross-field rules of a schema node, as CEL (src/manifest/cross-field-rules.ts). */
function nodeRules(schema: Json): Validation[] {
  return ruleNodes(schema).flatMap((node) =>
    CROSS_FIELD_RULES.filter((r) => r.node === node).map((r) => celRule(r, EXECUTOR_TAKES)),
  );
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
  const spec = structural(LOAD_TEST_SCHEMA.properties?.spec as Json, nodeRules);
  spec['x-kubernetes-validations'] = [
    ...((spec['x-kubernetes-validations'] as Validation[] | undefined) ?? []),
    SHARD_COUNT_RULE,
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
                status: structural(LOAD_TEST_STATUS_SCHEMA),
              },
            },
          },
        },
      ],
    },
  };
}

export function renderCRDYaml(): string {
  // No YAML anchors: the text must not depend on which schema nodes happen to share an object.
  const yaml = stringify(loadTestCRD(), { lineWidth: 0, aliasDuplicateObjects: false });
  return `# Generated from src/api/schema.ts by \`npm run gen:crd\`. Do not edit by hand.\n${yaml}`;
}
