import { describe, expect, it } from 'vitest';
import { ResponseParser } from '../../src/protocols/http1/response-parser.js';

interface Parsed {
  status: number;
  body: string | undefined;
  bytes: number;
  keepAlive: boolean;
  done: boolean;
  error: string | undefined;
  headers: string[] | undefined;
}

/** Feeds `parts` one after another into a fresh parser, as separate socket reads would. */
function parse(parts: Buffer[], isHead = false): Parsed {
  const parser = new ResponseParser();
  parser.start(isHead, true, true);
  for (const part of parts) {
    if (parser.done || parser.error) break;
    parser.feed(part);
  }
  return {
    status: parser.status,
    body: parser.bodyText(),
    bytes: parser.bytes,
    keepAlive: parser.keepAlive,
    done: parser.done,
    error: parser.error,
    headers: parser.rawHeaders?.map(String),
  };
}

const RESPONSES = {
  'content-length': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced \t\r\n\r\nhello',
  chunked:
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n',
  'interim then final':
    'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n',
  'HTTP/1.0 keep-alive': 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
};

describe('HTTP/1.1 response parser', () => {
  for (const [name, text] of Object.entries(RESPONSES)) {
    it(`${name}: the same result wherever the bytes are split in two or three reads`, () => {
      const whole = Buffer.from(text, 'latin1');
      const expected = parse([whole]);
      expect(expected.done).toBe(true);
      expect(expected.bytes).toBe(whole.length);
      for (let i = 1; i < whole.length; i++) {
        expect(parse([whole.subarray(0, i), whole.subarray(i)])).toEqual(expected);
        for (let j = i + 1; j < whole.length; j += 7) {
          expect(parse([whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)])).toEqual(expected);
        }
      }
    });
  }

  it('reads what matters from each: bodies, trailing whitespace, keep-alive', () => {
    const results = Object.fromEntries(
      Object.entries(RESPONSES).map(([name, text]) => [name, parse([Buffer.from(text, 'latin1')])]),
    );
    expect(results['content-length']).toMatchObject({ status: 200, body: 'hello', keepAlive: true });
    expect(results['content-length']?.headers).toEqual(['Content-Length', '5', 'X-A', 'spaced']);
    expect(results.chunked).toMatchObject({ body: 'abc0123456789abcdef', keepAlive: true });
    expect(results['interim then final']).toMatchObject({ status: 204, body: '', keepAlive: false });
    expect(results['interim then final']?.headers).toEqual(['Connection', 'close']);
    expect(results['HTTP/1.0 keep-alive']).toMatchObject({ status: 200, body: 'ok', keepAlive: true });
  });

  it('stops at the end of the response: bytes after it are not consumed', () => {
    const parser = new ResponseParser();
    parser.start(false, false, false);
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA';
    expect(parser.feed(Buffer.from(text))).toBe(text.length - 'EXTRA'.length);
    expect(parser.done).toBe(true);
  });

  it('reads a HEAD response as bodiless despite its Content-Length', () => {
    expect(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')], true)).toMatchObject({
      done: true,
      body: '',
    });
  });

  it('names what is malformed', () => {
    const errorOf = (text: string) => parse([Buffer.from(text, 'latin1')]).error;
    expect(errorOf('HTTP/2 200\r\n\r\n')).toMatch(/^malformed status line/);
    expect(errorOf('HTTP/1.1 2x0 OK\r\n\r\n')).toBe('malformed status code "2x0"');
    expect(errorOf('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).toBe('malformed header line "no colon here"');
    expect(errorOf('HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n')).toBe('malformed content-length "12a"');
    expect(errorOf('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).toBe(
      'malformed content-length "2"',
    );
    expect(errorOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n')).toBe(
      'chunk data is longer than its size',
    );
  });
});
