import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../src/protocols/http.js';
import { serializeRequest } from '../../src/protocols/http1/request-head.js';

const request: HttpRequest = {
  origin: 'http://127.0.0.1:8080',
  path: '/api/data',
  method: 'GET',
  headers: ['authorization', 'Bearer abc'],
  body: undefined,
  timeoutMs: 1000,
  captureBody: false,
  captureHeaders: false,
};

/** A request the engine sends again keeps its bytes for long: they must not pin a slice of Node's pool. */
describe('serialized bytes of a request sent again', () => {
  for (const body of [undefined, '{"amount":42}']) {
    it(`own their memory, the same bytes (${body ? 'with' : 'without'} a body)`, () => {
      const r = { ...request, body, method: body ? 'POST' : 'GET' };
      const once = serializeRequest(r, '127.0.0.1:8080');
      const kept = serializeRequest({ ...r, resent: true }, '127.0.0.1:8080');
      expect(kept.equals(once)).toBe(true);
      expect(kept.buffer.byteLength).toBe(kept.length);
      // A one-off request may share the pool (cheaper to allocate); it is garbage after one send.
      expect(once.buffer.byteLength).toBeGreaterThan(once.length);
    });
  }
});
