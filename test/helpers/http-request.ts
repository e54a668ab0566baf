/** A plain GET for the HTTP client tests; `over` replaces any field (path, method, timeout, ...). */
import type { HttpRequest } from '../../src/protocols/http-types.js';

export const testRequest = (origin: string, over: Partial<HttpRequest> = {}): HttpRequest => ({
  origin,
  path: '/',
  method: 'GET',
  headers: [],
  body: undefined,
  timeoutMs: 5000,
  captureBody: true,
  captureHeaders: false,
  ...over,
});
