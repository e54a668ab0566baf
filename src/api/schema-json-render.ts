/**
 * Renders schema-json.generated.ts: the TypeBox schema as plain JSON, so that run-time code validates
 * manifests and builds the CRD without loading TypeBox (about 60 ms of CPU at every start). Used only at build
 * and test time: `npm run gen:schema` writes the file, test/unit/schema-json-drift.test.ts fails when it is
 * stale. JSON keeps every keyword the walker (schema-check.ts) and the CRD generator read; it drops only
 * TypeBox's symbol keys ([Kind], [OptionalKind]), which neither reads.
 */
import { LoadTest, Scenario } from './schema.js';
import { LoadTestStatus } from './status-schema.js';

/** The generated module's exports. */
const EXPORTS: { name: string; type: string; doc: string; value: unknown }[] = [
  {
    name: 'LOAD_TEST_SCHEMA',
    type: 'JsonSchema',
    doc: 'The LoadTest manifest, as validation checks it.',
    value: LoadTest,
  },
  {
    name: 'LOAD_TEST_STATUS_SCHEMA',
    type: 'JsonSchema',
    doc: "The CRD's status schema.",
    value: LoadTestStatus,
  },
  {
    name: 'SCENARIO_FIELDS',
    type: 'readonly string[]',
    doc: 'The fields of a scenario (spec.scenarios.NAME), in schema order.',
    value: Object.keys(Scenario.properties),
  },
];

/** A single-quoted string literal of `text` (JSON text holds no raw line breaks). */
function quoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function renderSchemaModule(): string {
  // JSON.parse of a string reads a large object faster than an object literal does.
  const body = EXPORTS.map(
    ({ name, type, doc, value }) =>
      `/** ${doc} */\nexport const ${name}: ${type} = JSON.parse(\n  ${quoted(JSON.stringify(value))},\n);\n`,
  );
  return [
    '// Generated from src/api/schema.ts and src/api/status-schema.ts (TypeBox) by `npm run gen:schema`.',
    '// Do not edit by hand: run-time code reads the schema from here so that it never loads TypeBox.',
    "import type { JsonSchema } from './schema-check.js';",
    '',
    body.join('\n'),
  ].join('\n');
}
