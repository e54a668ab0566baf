import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../src/protocols/http.js';
import { invalidHeader, serializeRequest } from '../../src/protocols/http1/request-head.js';

const base: HttpRequest = {
  origin: 'http://127.0.0.1:8080',
  path: '/api/items?page=2',
  method: 'GET',
  headers: [],
  body: undefined,
  timeoutMs: 1000,
  captureBody: false,
  captureHeaders: false,
};

const text = (r: Partial<HttpRequest>) =>
  serializeRequest({ ...base, ...r }, '127.0.0.1:8080').toString('utf8');

describe('HTTP/1.1 request serialization', () => {
  it('writes the request line, the headers in order and a Host header', () => {
    expect(text({ headers: ['authorization', 'Bearer t', 'Accept', '*/*'] })).toBe(
      'GET /api/items?page=2 HTTP/1.1\r\nauthorization: Bearer t\r\nAccept: */*\r\nhost: 127.0.0.1:8080\r\n\r\n',
    );
  });

  it("keeps the step's own Host header instead of adding one", () => {
    expect(text({ headers: ['Host', 'example.test'] })).toBe(
      'GET /api/items?page=2 HTTP/1.1\r\nHost: example.test\r\n\r\n',
    );
  });

  it('frames a body by its UTF-8 byte length and drops framing headers from the step', () => {
    const body = '{"city":"Zürich"}';
    expect(
      text({
        method: 'POST',
        body,
        headers: ['Content-Length', '3', 'transfer-encoding', 'chunked', 'x', 'y'],
      }),
    ).toBe(
      `POST /api/items?page=2 HTTP/1.1\r\nx: y\r\nhost: 127.0.0.1:8080\r\ncontent-length: 18\r\n\r\n${body}`,
    );
  });

  it('sends Content-Length: 0 for a POST, PUT or PATCH without a body, nothing for GET or DELETE', () => {
    expect(text({ method: 'PUT' })).toContain('\r\ncontent-length: 0\r\n\r\n');
    expect(text({ method: 'DELETE' })).not.toContain('content-length');
  });

  it('names the header or path that would break the request framing', () => {
    expect(invalidHeader({ ...base, headers: ['x-id', '1\r\nevil: 1'] })).toBe(
      'header "1\\r\\nevil: 1" contains a line break',
    );
    expect(invalidHeader({ ...base, path: '/a b' })).toBe('path "/a b" contains whitespace');
    expect(invalidHeader({ ...base, headers: ['x-id', 'a\u0000b'] })).toBe(
      'header "a\\u0000b" contains a NUL character',
    );
    expect(invalidHeader(base)).toBeUndefined();
  });
});

describe("a step's head cache: the unchanging part serialized once", () => {
  const step = (token: string, path = '/api/data', head = { staticPairs: 2, staticLine: true }) => ({
    ...base,
    path,
    method: 'POST',
    body: '{"a":1}',
    headers: ['content-type', 'application/json', 'x-env', 'ci', 'authorization', `Bearer ${token}`],
    head,
  });

  it('writes the same bytes as without the cache, for every request of the step', () => {
    const head = { staticPairs: 2, staticLine: true };
    for (const token of ['t1', 'token-two', 't3']) {
      const cached = serializeRequest(step(token, '/api/data', head), '127.0.0.1:8080').toString();
      const plain = serializeRequest({ ...step(token), head: undefined }, '127.0.0.1:8080').toString();
      expect(cached).toBe(plain);
      expect(cached).toContain(`authorization: Bearer ${token}\r\n`);
    }
    expect(head).toMatchObject({
      text: 'POST /api/data HTTP/1.1\r\ncontent-type: application/json\r\nx-env: ci\r\n',
      hostLine: 'host: 127.0.0.1:8080\r\n',
    });
  });

  it('builds the request line per request when the path varies', () => {
    const head = { staticPairs: 2, staticLine: false };
    serializeRequest(step('a', '/items/1', head), '127.0.0.1:8080');
    expect(serializeRequest(step('a', '/items/2', head), '127.0.0.1:8080').toString()).toMatch(
      /^POST \/items\/2 HTTP\/1.1\r\ncontent-type/,
    );
  });

  it('still checks the varying header values once the static part is cached', () => {
    const head = { staticPairs: 2, staticLine: false };
    const first = step('ok', '/a', head);
    expect(invalidHeader(first)).toBeUndefined();
    serializeRequest(first, '127.0.0.1:8080');
    expect(invalidHeader(step('bad\r\nx: y', '/a', head))).toContain('contains a line break');
    expect(invalidHeader(step('ok', '/a b', head))).toContain('contains whitespace');
  });
});
