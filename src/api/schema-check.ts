/**
 * Walks a value against the JSON schema produced by TypeBox and reports every problem at once, each with a
 * field path and what is allowed. TypeBox's own error iterator reports unions as "Expected union value", which
 * tells a user nothing; this walker knows the few schema shapes we use and says what would be accepted. It
 * reads only JSON keywords (never TypeBox's symbol keys), so it walks the generated plain copy of the schema
 * (schema-json.generated.ts) exactly as it would the TypeBox objects.
 */
import { formatDurationUs, MAX_DURATION_TEXT, MAX_DURATION_US, parseDurationUs } from './duration.js';

export interface Problem {
  /** Dotted field path, e.g. `spec.scenarios.browse.executor`. */
  path: string;
  message: string;
}

/** A plain JSON-schema node as the TypeBox sources produce it (src/api/schema-json.generated.ts). */
export type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
};

/** A message or value cut to a readable length, so bad input never floods the terminal. */
export function excerpt(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : excerpt(JSON.stringify(key), 60);
  if (!base) return safe;
  return /^[A-Za-z_]/.test(safe) ? `${base}.${safe}` : `${base}[${safe}]`;
}

export function describeAllowed(schema: JsonSchema): string {
  if (typeof schema['x-hint'] === 'string') return schema['x-hint'];
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (schema.anyOf) return schema.anyOf.map(describeAllowed).join(' or ');
  switch (schema.type) {
    case 'object':
      return schema.properties
        ? `an object with fields ${Object.keys(schema.properties).join(', ')}`
        : 'a map';
    case 'array':
      return 'a list';
    case 'integer':
      return `an integer${rangeText(schema)}`;
    case 'number':
      return `a number${rangeText(schema)}`;
    case 'string':
      return schema.pattern ? `a string matching ${schema.pattern}` : 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return 'any value';
  }
}

function rangeText(schema: JsonSchema): string {
  const parts: string[] = [];
  if (typeof schema.minimum === 'number') parts.push(`>= ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') parts.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.maximum === 'number') parts.push(`<= ${schema.maximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${excerpt(JSON.stringify(value) ?? String(value), 80)}`;
}

/**
 * `__proto__` is refused as a key wherever the manifest has structure (names, maps, fields): JavaScript
 * gives it a meaning, and one copy of a map into a fresh object would make it the object's prototype
 * instead of an entry. Every other name (constructor, toString...) is an ordinary name. Free JSON
 * (request bodies, expected values) is not walked here and may hold it.
 */
export const PROTO_KEY_MESSAGE =
  '"__proto__" cannot be used as a name or key here (JavaScript reserves it); choose another name';

export function checkSchema(schema: JsonSchema, value: unknown, path: string, out: Problem[]): void {
  if (schema.anyOf) {
    const branches = schema.anyOf.map((branch) => {
      const problems: Problem[] = [];
      checkSchema(branch, value, path, problems);
      return problems;
    });
    if (branches.some((p) => p.length === 0)) return;
    // Report the branch whose type matched the value; its problems are the useful ones.
    const matching = schema.anyOf.findIndex((branch) => sameKind(branch, value));
    if (matching >= 0) out.push(...(branches[matching] as Problem[]));
    else out.push({ path, message: `expected ${describeAllowed(schema)}, got ${typeName(value)}` });
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    out.push({ path, message: `must be ${JSON.stringify(schema.const)}, got ${typeName(value)}` });
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push({
      path,
      message: `${excerpt(JSON.stringify(value) ?? String(value), 80)} is not allowed; use ${describeAllowed(schema)}`,
    });
    return;
  }
  switch (schema.type) {
    case 'object':
      checkObject(schema, value, path, out);
      return;
    case 'array':
      checkArray(schema, value, path, out);
      return;
    case 'string':
      checkString(schema, value, path, out);
      return;
    case 'integer':
    case 'number':
      checkNumber(schema, value, path, out);
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        out.push({ path, message: `expected true or false, got ${typeName(value)}` });
      return;
    default:
      return;
  }
}

function sameKind(schema: JsonSchema, value: unknown): boolean {
  if (schema.type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (schema.type === 'array') return Array.isArray(value);
  if (schema.type === 'integer') return typeof value === 'number';
  return typeof value === schema.type;
}

function checkObject(schema: JsonSchema, value: unknown, path: string, out: Problem[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ path, message: `expected ${describeAllowed(schema)}, got ${typeName(value)}` });
    return;
  }
  const record = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(record, name) || record[name] === undefined) {
      out.push({
        path: joinPath(path, name),
        message: `is required (${describeAllowed(properties[name] ?? {})})`,
      });
    }
  }
  const keys = Object.keys(record);
  if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) {
    out.push({
      path,
      message: `needs at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}`,
    });
  }
  if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) {
    out.push({ path, message: `has ${keys.length} entries; at most ${schema.maxProperties} allowed` });
  }
  const patterns = Object.entries(schema.patternProperties ?? {});
  for (const key of keys) {
    const child = record[key];
    const childPath = joinPath(path, key);
    if (key === '__proto__') {
      out.push({ path: childPath, message: PROTO_KEY_MESSAGE });
      continue;
    }
    // Own entries only: a field named `constructor` or `toString` is not a declared property.
    const declared = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (declared) {
      checkSchema(declared, child, childPath, out);
      continue;
    }
    const byPattern = patterns.find(([pattern]) => new RegExp(pattern).test(key));
    if (byPattern) {
      checkSchema(byPattern[1], child, childPath, out);
    } else if (patterns.length > 0) {
      const allowed = patterns.map(([p]) => p).join(' or ');
      const hint = schema['x-key-hint'];
      out.push({
        path: childPath,
        message:
          typeof hint === 'string'
            ? `key ${excerpt(JSON.stringify(key), 60)} is not ${hint}`
            : `key ${excerpt(JSON.stringify(key), 60)} is not allowed; keys must match ${allowed}`,
      });
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      const hint = suggest(key, known);
      out.push({
        path: childPath,
        message: `unknown field${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; allowed: ${known.join(', ')}`,
      });
    } else if (typeof schema.additionalProperties === 'object') {
      checkSchema(schema.additionalProperties, child, childPath, out);
    }
  }
}

function checkArray(schema: JsonSchema, value: unknown, path: string, out: Problem[]): void {
  if (!Array.isArray(value)) {
    out.push({ path, message: `expected a list, got ${typeName(value)}` });
    return;
  }
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    out.push({ path, message: `needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}` });
  }
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    out.push({ path, message: `has ${value.length} items; at most ${schema.maxItems} allowed` });
  }
  if (schema.items)
    value.forEach((item, i) => checkSchema(schema.items as JsonSchema, item, joinPath(path, i), out));
}

function checkString(schema: JsonSchema, value: unknown, path: string, out: Problem[]): void {
  if (typeof value !== 'string') {
    out.push({ path, message: `expected ${describeAllowed(schema)}, got ${typeName(value)}` });
    return;
  }
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    out.push({ path, message: 'must not be empty' });
  } else if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    out.push({ path, message: `is ${value.length} characters; at most ${schema.maxLength} allowed` });
  } else if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
    out.push({ path, message: `${excerpt(JSON.stringify(value), 80)} is not ${describeAllowed(schema)}` });
  } else if (typeof schema['x-max-us'] === 'number' || typeof schema['x-min-us'] === 'number') {
    checkDurationRange(schema, value, path, out);
  }
}

function checkDurationRange(schema: JsonSchema, value: string, path: string, out: Problem[]): void {
  const us = parseDurationUs(value);
  if (us === undefined) return;
  const max = schema['x-max-us'];
  const min = schema['x-min-us'];
  if (typeof max === 'number' && us > max) {
    const longest = max === MAX_DURATION_US ? `${MAX_DURATION_TEXT} (24 days)` : formatDurationUs(max);
    out.push({ path, message: `${JSON.stringify(value)} is too long: at most ${longest} is allowed` });
  } else if (typeof min === 'number' && us < min) {
    const shortest = min <= 1 ? 'longer than 0' : `at least ${formatDurationUs(min)}`;
    out.push({ path, message: `${JSON.stringify(value)} is too short: it must be ${shortest}` });
  }
}

function checkNumber(schema: JsonSchema, value: unknown, path: string, out: Problem[]): void {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (schema.type !== 'integer' || Number.isInteger(value));
  const inRange =
    ok &&
    !(typeof schema.minimum === 'number' && (value as number) < schema.minimum) &&
    !(typeof schema.exclusiveMinimum === 'number' && (value as number) <= schema.exclusiveMinimum) &&
    !(typeof schema.maximum === 'number' && (value as number) > schema.maximum);
  if (!inRange) out.push({ path, message: `expected ${describeAllowed(schema)}, got ${typeName(value)}` });
}

/** The closest known name within two edits, to catch typos such as `exector`. */
function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = current;
    }
  }
  return row[b.length] as number;
}
