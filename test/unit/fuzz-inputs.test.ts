/**
 * Property-based tests: whatever text or value arrives, manifest validation, templates, the feeder parsers
 * and the HTTP/1.1 response parser end with a result or a typed error with a path; never a crash or a hang.
 * Seeds are fixed so a failure reproduces; fast-check prints the counterexample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeederError, parseFeederText } from '../../src/api/feeder-text.js';
import { compileTemplate } from '../../src/engine/template.js';
import { TemplateError } from '../../src/engine/template-functions.js';
import { parseManifest, validateLoadTest } from '../../src/manifest/validate.js';
import { ResponseParser } from '../../src/protocols/http1/response-parser.js';

const RUNS = { numRuns: 300, seed: 13 };

const valid = {
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'fuzz' },
  spec: {
    target: { baseURL: 'http://127.0.0.1:8080' },
    scenarios: {
      s: {
        executor: 'constant-arrival-rate',
        rate: 10,
        duration: '1s',
        preAllocatedVUs: 2,
        flow: [{ name: 'a', request: { url: '/x' }, check: { status: 200 }, think: { constant: '1ms' } }],
      },
    },
    thresholds: { http_req_duration: ['p(95)<200ms'] },
  },
};

/** Every path to a leaf or node of `value`, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function replaced(value: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = replaced(copy[head], rest, by);
  return copy;
}

function expectProblemsOrOk(result: ReturnType<typeof validateLoadTest>) {
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path).toBe('string');
    expect(p.path.length).toBeGreaterThan(0);
    expect(p.message.length).toBeLessThan(2_000);
  }
}

describe('fuzz: manifest validation', () => {
  const allPaths = paths(valid);
  it('any field of a valid manifest replaced by any JSON value: a result or problems with paths', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allPaths), fc.jsonValue({ maxDepth: 3 }), (path, by) => {
        expectProblemsOrOk(validateLoadTest(replaced(valid, path, by)));
      }),
      RUNS,
    );
  });

  it('any value at all as the manifest', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (value) => expectProblemsOrOk(validateLoadTest(value))),
      RUNS,
    );
  });

  it('any text as a YAML manifest, including near-YAML', () => {
    const yamlish = fc.stringMatching(/^[\s\S]{0,200}$/).map((s) => `apiVersion: ${s}\nspec: {${s}}\n`);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), yamlish, fc.string({ unit: 'binary', maxLength: 300 })),
        (text) => expectProblemsOrOk(parseManifest(text)),
      ),
      RUNS,
    );
  });
});

describe('fuzz: templates', () => {
  it('compile to a template or a TemplateError; a compiled one renders without throwing on empty context', () => {
    const piece = fc.constantFrom(
      '${',
      '}',
      '$${',
      'vu',
      'vars.x',
      'data.u.name',
      '(',
      ')',
      ',',
      "'",
      '"',
      'randomInt(1, 3)',
      ' ',
      '.',
      '[0]',
      'env.E',
    );
    const source = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(source, (text) => {
        let compiled: ReturnType<typeof compileTemplate>;
        try {
          compiled = compileTemplate(text);
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateError);
          return;
        }
        const ctx = { vu: 1, iteration: 0, scenario: 's', env: {}, vars: {}, data: {} };
        try {
          expect(typeof compiled.render(ctx as never)).toBe('string');
        } catch (error) {
          // A function given a bad argument at run time is a typed template error, never a crash.
          expect(error).toBeInstanceOf(TemplateError);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: feeder parsers', () => {
  const csvish = fc
    .array(fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r\n', '\ufeff', ' ', 'x'), { maxLength: 40 })
    .map((p) => p.join(''));
  it('CSV: rows whose keys are the header, or a FeederError', () => {
    fc.assert(
      fc.property(fc.oneof(csvish, fc.string({ maxLength: 200 })), (text) => {
        try {
          const rows = parseFeederText(text, 'csv', 'f.csv');
          expect(rows.length).toBeGreaterThan(0);
          const keys = Object.keys(rows[0] as object);
          for (const row of rows) expect(Object.keys(row)).toEqual(keys);
          // A byte-order mark opening the file is dropped: the rows are those of the text without it.
          if (!text.startsWith('\ufeff'))
            expect(parseFeederText(`\ufeff${text}`, 'csv', 'f.csv')).toEqual(rows);
        } catch (error) {
          expect(error).toBeInstanceOf(FeederError);
        }
      }),
      RUNS,
    );
  });

  it('JSON: a non-empty array of objects, or a FeederError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 100 })), (text) => {
        try {
          const rows = parseFeederText(text, 'json', 'f.json');
          expect(Array.isArray(rows) && rows.length > 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FeederError);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: HTTP/1.1 response parser', () => {
  /** Feeds `bytes` split at `cuts`; the parser must consume or stop, never throw or loop. */
  function feed(bytes: Buffer, cuts: number[], maxBodyBytes: number) {
    const parser = new ResponseParser();
    parser.start(false, true, true, maxBodyBytes);
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let from = 0;
    for (const to of [...points, bytes.length]) {
      if (parser.done || parser.error !== undefined) break;
      const part = bytes.subarray(from, to);
      const used = parser.feed(part);
      expect(used).toBeGreaterThanOrEqual(0);
      expect(used).toBeLessThanOrEqual(part.length);
      from = to;
    }
    return parser;
  }

  it('random bytes: consumed, done or a short error message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 6 }), (raw, cuts) => {
        const parser = feed(Buffer.from(raw), cuts, 64);
        if (parser.error !== undefined) expect(parser.error.length).toBeLessThan(200);
      }),
      RUNS,
    );
  });

  it('a well-formed response with a random body and framing: the body back (cut at maxBodyBytes), any split', () => {
    const response = fc.record({
      status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
      body: fc.string({ maxLength: 300 }),
      chunked: fc.boolean(),
      chunkSize: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(
        response,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 400 }),
        (r, cuts, limit) => {
          const body = Buffer.from(r.body);
          let framed: Buffer;
          if (r.chunked) {
            const parts: Buffer[] = [];
            for (let i = 0; i < body.length; i += r.chunkSize) {
              const piece = body.subarray(i, i + r.chunkSize);
              parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
            }
            framed = Buffer.concat([
              Buffer.from(`HTTP/1.1 ${r.status} X\r\nTransfer-Encoding: chunked\r\n\r\n`),
              ...parts,
              Buffer.from('0\r\n\r\n'),
            ]);
          } else {
            framed = Buffer.concat([
              Buffer.from(`HTTP/1.1 ${r.status} X\r\nContent-Length: ${body.length}\r\n\r\n`),
              body,
            ]);
          }
          const parser = feed(framed, cuts, limit);
          expect(parser.error).toBeUndefined();
          expect(parser.done).toBe(true);
          expect(parser.status).toBe(r.status);
          expect(parser.bytes).toBe(framed.length);
          expect(parser.body?.truncated).toBe(body.length > limit);
          expect(Buffer.from(parser.bodyText() ?? '', 'utf8').length).toBeLessThanOrEqual(
            Math.max(limit, body.length) * 3,
          );
          if (body.length <= limit) expect(parser.bodyText()).toBe(r.body);
        },
      ),
      RUNS,
    );
  });
});
