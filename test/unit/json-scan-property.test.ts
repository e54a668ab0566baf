/**
 * The JSON path scan (json-scan.ts) against the general path (JSON.parse + readJsonPath) over random JSON
 * texts: strings with escapes and unicode, numbers in every form, nesting, whitespace, repeated keys and
 * broken text. What a check or extractor reads is JsonBody's answer: the scan, or the whole parse where the
 * scan gives up.
 *
 * Repeated keys: JSON.parse keeps the last; the scan stops at the first value the path leads to (it reads
 * nothing after the value, see json-scan.ts), so on a path through a repeated key the two may differ.
 * Broken text: where JSON.parse throws, the scan says "absent" (undefined), unless the text is JSON up to
 * the value it found and breaks only after it; then it reads that value, as a text closed right after the
 * value would give it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBody } from '../../src/engine/http-checks.js';
import { type JsonPath, readJsonPath } from '../../src/engine/json-path.js';
import {
  type JsonSpan,
  SCAN,
  SCAN_GAVE_UP,
  scanJsonPath,
  scanJsonSpan,
  scannable,
} from '../../src/engine/json-scan.js';

/** A generated JSON text, kept as a tree so the first of repeated keys can be found without JSON.parse. */
type Node =
  | { kind: 'leaf'; text: string }
  | { kind: 'array'; items: Node[]; ws: string }
  | { kind: 'object'; entries: [keyText: string, value: Node][]; ws: string };

const WS = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ');
const hex4 = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0'));
const hex4Case = fc.tuple(hex4, fc.boolean()).map(([h, upper]) => (upper ? h.toUpperCase() : h));
/** One character of a JSON string's text: plain, unicode (astral, line separator), or any escape. */
const STRING_PIECE = fc.oneof(
  fc.constantFrom('a', 'Z', '0', ' ', '/', "'", 'é', '\u2028', '😀', '\u00ff', '}', ']', ',', ':'),
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'),
  hex4Case.map((h) => `\\u${h}`),
);
const STRING = fc.array(STRING_PIECE, { maxLength: 6 }).map((pieces) => `"${pieces.join('')}"`);
const DIGITS = fc.stringMatching(/^[0-9]{1,4}$/);
const NUMBER = fc
  .record({
    minus: fc.boolean(),
    int: fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,5}$/)),
    frac: fc.option(DIGITS, { nil: undefined }),
    exp: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), DIGITS), {
      nil: undefined,
    }),
  })
  .map(
    ({ minus, int, frac, exp }) =>
      `${minus ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}${exp ? exp.join('') : ''}`,
  );
const LEAF = fc
  .oneof(NUMBER, STRING, fc.constantFrom('true', 'false', 'null'))
  .map((text): Node => ({ kind: 'leaf', text }));
/** Keys from a small set, so paths hit them; some written with escapes that decode to the same key. */
const KEY_TEXT = fc.constantFrom(
  '"a"',
  '"b"',
  '"id"',
  '"items"',
  '"token"',
  '"\\u0061"',
  '"t\\u00e9"',
  '"té"',
  '""',
);
const decodeKey = (text: string) => JSON.parse(text) as string;

function tree(allowRepeatedKeys: boolean): fc.Arbitrary<Node> {
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, LEAF, tie('array'), tie('object')),
    array: fc
      .record({ items: fc.array(tie('node'), { maxLength: 4 }), ws: WS })
      .map(({ items, ws }): Node => ({ kind: 'array', items: items as Node[], ws })),
    object: fc
      .record({
        entries: allowRepeatedKeys
          ? fc.array(fc.tuple(KEY_TEXT, tie('node')), { maxLength: 5 })
          : fc.uniqueArray(fc.tuple(KEY_TEXT, tie('node')), {
              maxLength: 5,
              selector: ([k]) => decodeKey(k),
            }),
        ws: WS,
      })
      .map(({ entries, ws }): Node => ({ kind: 'object', entries: entries as [string, Node][], ws })),
  }));
  return node as fc.Arbitrary<Node>;
}

function print(n: Node): string {
  if (n.kind === 'leaf') return n.text;
  const w = n.ws;
  if (n.kind === 'array') return `[${w}${n.items.map(print).join(`${w},${w}`)}${w}]`;
  return `{${w}${n.entries.map(([k, v]) => `${k}${w}:${w}${print(v)}`).join(`${w},`)}${w}}`;
}

/** Paths into the tree (some leading to values, some past them) and a few that miss. */
function pathsOf(n: Node, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(prefix);
  if (n.kind === 'array') n.items.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  if (n.kind === 'object') for (const [k, v] of n.entries) pathsOf(v, [...prefix, decodeKey(k)], out);
  out.push([...prefix, 'token'], [...prefix, 0], [...prefix, 7], [...prefix, 'length']);
  return out;
}

/**
 * The value at `path` as the scan reads it: the first place in the text where the path leads to a value
 * (a repeated key whose first value holds nothing at the rest of the path is read on to the next).
 */
function firstFound(n: Node, path: JsonPath): { value: unknown } | undefined {
  if (path.length === 0) return { value: JSON.parse(print(n)) };
  const [key, ...rest] = path;
  if (n.kind === 'array' && typeof key === 'number') {
    const item = n.items[key];
    return item ? firstFound(item, rest) : undefined;
  }
  if (n.kind === 'object' && typeof key === 'string') {
    for (const [k, v] of n.entries) {
      const found = decodeKey(k) === key ? firstFound(v, rest) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** Does an object on the way to `path` hold its key more than once? */
function repeatsOnPath(n: Node, path: JsonPath): boolean {
  let current: Node | undefined = n;
  for (const key of path) {
    if (current?.kind === 'array' && typeof key === 'number') current = current.items[key];
    else if (current?.kind === 'object' && typeof key === 'string') {
      const hits = current.entries.filter(([k]) => decodeKey(k) === key);
      if (hits.length > 1) return true;
      current = hits[0]?.[1];
    } else return false;
  }
  return false;
}

function byParse(text: string, path: JsonPath): unknown {
  try {
    return readJsonPath(JSON.parse(text), path);
  } catch {
    return undefined;
  }
}

/** What a step reads: JsonBody's scan, falling back to the whole parse. */
const read = (text: string, path: JsonPath) => new JsonBody(text).read(path, scannable(path));

const withPath = (allowRepeatedKeys: boolean) =>
  tree(allowRepeatedKeys).chain((n) => fc.tuple(fc.constant(n), fc.constantFrom(...pathsOf(n))));

const RUNS = 2000;

describe('JSON path scan against JSON.parse (property)', () => {
  it('reads what JSON.parse reads when no key repeats', () => {
    fc.assert(
      fc.property(withPath(false), WS, WS, ([n, path], before, after) => {
        const text = before + print(n) + after;
        expect(read(text, path)).toStrictEqual(byParse(text, path));
      }),
      { numRuns: RUNS },
    );
  });

  it('judges `equals` as JSON.stringify of what JSON.parse reads', () => {
    const expected = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom('1', '"a"', 'null'),
    );
    fc.assert(
      fc.property(withPath(false), expected, fc.boolean(), ([n, path], other, useTrue) => {
        const text = print(n);
        const truth = JSON.stringify(byParse(text, path));
        // Half the time the expected text is the value's own JSON (or a differently written equal one).
        const wanted = useTrue && truth !== undefined ? truth : other;
        expect(new JsonBody(text).equals(path, scannable(path), wanted)).toBe(truth === wanted);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads the first value a repeated key leads to, JSON.parse the last; the same where no key on the path repeats', () => {
    fc.assert(
      fc.property(withPath(true), ([n, path]) => {
        const text = print(n);
        const scanned = scanJsonPath(text, path);
        if (scanned !== SCAN_GAVE_UP) expect(scanned).toStrictEqual(firstFound(n, path)?.value);
        if (!repeatsOnPath(n, path)) expect(read(text, path)).toStrictEqual(byParse(text, path));
      }),
      { numRuns: RUNS },
    );
    expect(scanJsonPath('{"id":1,"id":2}', ['id'])).toBe(1);
    expect(JSON.parse('{"id":1,"id":2}').id).toBe(2);
  });

  it('on broken text reads "absent", or a value whose text and all before it are JSON', () => {
    const BREAK = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'x', '-', '.', 'e', '\u0001', '');
    fc.assert(
      fc.property(withPath(false), fc.nat(), BREAK, fc.boolean(), ([n, path], at, c, insert) => {
        const good = print(n);
        const i = at % (good.length + 1);
        const text = good.slice(0, i) + c + good.slice(insert ? i : i + 1);
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        if (valid || text === good) return; // still JSON: the first property covers it
        const span: JsonSpan = { start: 0, end: 0 };
        const outcome = scanJsonSpan(text, path, span);
        if (outcome === SCAN.found) {
          // The text up to the value is JSON so far: closed right after the value, it reads the same value.
          const closers = path.map((k) => (typeof k === 'number' ? ']' : '}')).reverse();
          const cut = JSON.parse(text.slice(0, span.end) + closers.join(''));
          expect(read(text, path)).toStrictEqual(readJsonPath(cut, path));
        } else expect(read(text, path)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });
});
