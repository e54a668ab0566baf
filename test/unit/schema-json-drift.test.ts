import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LoadTest, Scenario } from '../../src/api/schema.js';
import {
  LOAD_TEST_SCHEMA,
  LOAD_TEST_STATUS_SCHEMA,
  SCENARIO_FIELDS,
} from '../../src/api/schema-json.generated.js';
import { renderSchemaModule } from '../../src/api/schema-json-render.js';
import { LoadTestStatus } from '../../src/api/status-schema.js';

const REGENERATE =
  'src/api/schema-json.generated.ts is stale: run `npm run gen:schema` after changing src/api';

/** What JSON keeps of a TypeBox schema: everything but its symbol keys, which nothing at run time reads. */
const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

describe('the generated plain schema (src/api/schema-json.generated.ts)', () => {
  it('holds what the TypeBox schema builds (run `npm run gen:schema` after changing src/api)', () => {
    // Compared as data first, so a stale file shows a readable diff rather than one long line.
    expect(LOAD_TEST_SCHEMA, REGENERATE).toStrictEqual(plain(LoadTest));
    expect(LOAD_TEST_STATUS_SCHEMA, REGENERATE).toStrictEqual(plain(LoadTestStatus));
    expect(SCENARIO_FIELDS, REGENERATE).toStrictEqual(Object.keys(Scenario.properties));
  });

  it('is the committed text the generator writes (run `npm run gen:schema` after changing src/api)', () => {
    const committed = readFileSync(
      new URL('../../src/api/schema-json.generated.ts', import.meta.url),
      'utf8',
    );
    expect(committed === renderSchemaModule(), REGENERATE).toBe(true);
  });
});
