/**
 * The HTTP/1.1 parser finds line ends four bytes at a time (response-parser.ts, findCR). Whatever the lengths
 * of the lines around them and wherever the head starts in the read buffer (word alignment), the headers the
 * engine needs are still read exactly: the framing (Content-Length, chunked, Connection: close), Set-Cookie
 * always, and every header (Content-Type for a check, say) when headers are captured.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResponseParser } from '../../src/protocols/http1/response-parser.js';

const RUNS = { numRuns: 400 };

/** Header-value characters (visible ASCII and inner spaces); never CR or LF. */
const valueText = fc
  .array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes).trim());
/** Token characters a server uses in names that frame nothing (never starting like a framing header). */
const fillerName = fc
  .array(fc.constantFrom(...'abdefghijklmnopqruvwxyz-0123456789'.split('')), { minLength: 1, maxLength: 20 })
  .map((chars) => `x${chars.join('')}`);

const response = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  before: fc.array(fc.tuple(fillerName, valueText), { maxLength: 6 }),
  after: fc.array(fc.tuple(fillerName, valueText), { maxLength: 6 }),
  contentType: valueText,
  cookie: fc.option(valueText.filter((v) => v.length > 0)),
  framing: fc.constantFrom('length', 'chunked'),
  close: fc.boolean(),
  body: fc.string({ maxLength: 60 }),
  /** Where the response starts in the read buffer: every word alignment. */
  offset: fc.integer({ min: 0, max: 7 }),
  split: fc.nat(),
});

type Response = typeof response extends fc.Arbitrary<infer R> ? R : never;

function wire(r: Response): { head: [string, string][]; bytes: Buffer } {
  const body = Buffer.from(r.body);
  const framing: [string, string] =
    r.framing === 'length' ? ['Content-Length', String(body.length)] : ['Transfer-Encoding', 'chunked'];
  const head: [string, string][] = [
    ...r.before,
    ['Content-Type', r.contentType],
    framing,
    ...(r.cookie !== null ? [['Set-Cookie', r.cookie] as [string, string]] : []),
    ['Connection', r.close ? 'close' : 'keep-alive'],
    ...r.after,
  ];
  const lines = head.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  // A chunk of size 0 ends a chunked body: an empty body is the last chunk alone.
  const chunks = body.length
    ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]
    : [];
  const payload = r.framing === 'length' ? body : Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]);
  const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 ${r.status} X\r\n${lines}\r\n`), payload]);
  return { head, bytes };
}

/** Parses `bytes` placed at `offset` in a larger buffer, in two reads split at `split`. */
function parse(bytes: Buffer, offset: number, split: number, captureHeaders: boolean): ResponseParser {
  const parser = new ResponseParser();
  parser.start(false, true, captureHeaders);
  const buffer = Buffer.alloc(bytes.length + 16, 0x0d); // CRs around it: a scan past the end would find them
  bytes.copy(buffer, offset);
  const at = split % (bytes.length + 1);
  for (const [from, to] of [
    [offset, offset + at],
    [offset + at, offset + bytes.length],
  ] as const) {
    if (parser.done || parser.error !== undefined) break;
    parser.feed(buffer.subarray(from, to));
  }
  return parser;
}

describe('HTTP/1.1 head scan: the headers the engine needs, whatever the line lengths and alignment', () => {
  it('framing, Connection and Set-Cookie are read; only Set-Cookie is kept when headers are not captured', () => {
    fc.assert(
      fc.property(response, (r) => {
        const { bytes } = wire(r);
        const parser = parse(bytes, r.offset, r.split, false);
        expect(parser.error).toBeUndefined();
        expect(parser.done).toBe(true);
        expect(parser.status).toBe(r.status);
        expect(parser.bytes).toBe(bytes.length);
        expect(parser.keepAlive).toBe(!r.close);
        expect(parser.bodyText()).toBe(r.body);
        expect(parser.rawHeaders?.map(String)).toEqual(
          r.cookie !== null ? ['Set-Cookie', r.cookie] : undefined,
        );
      }),
      RUNS,
    );
  });

  it('every header, Content-Type included, is kept name for name and value for value when captured', () => {
    fc.assert(
      fc.property(response, (r) => {
        const { head, bytes } = wire(r);
        const parser = parse(bytes, r.offset, r.split, true);
        expect(parser.error).toBeUndefined();
        expect(parser.rawHeaders?.map(String)).toEqual(head.flat());
      }),
      RUNS,
    );
  });
});
