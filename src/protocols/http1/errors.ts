/**
 * Errors of the HTTP/1.1 client, each with a stable `code` that src/metrics/error-class.ts classifies:
 * socket errors keep Node's own codes (ECONNREFUSED, ECONNRESET, EPIPE); the rest are below.
 */

export const HTTP1_ERROR_CODES = {
  /** TCP connect did not finish within the connect timeout. */
  connectTimeout: 'HTTP1_CONNECT_TIMEOUT',
  /** No complete response head within the request timeout. */
  headersTimeout: 'HTTP1_HEADERS_TIMEOUT',
  /** The head arrived but the body did not finish within the request timeout. */
  bodyTimeout: 'HTTP1_BODY_TIMEOUT',
  /** The server closed the connection before the response ended. */
  closedEarly: 'ECONNRESET',
  /** The response is not valid HTTP/1.x. */
  malformed: 'HTTP1_MALFORMED_RESPONSE',
  /** Something this client deliberately does not do (protocol upgrades). */
  unsupported: 'HTTP1_UNSUPPORTED',
  /** The request itself cannot be written (a header value with a line break). */
  invalidRequest: 'HTTP1_INVALID_REQUEST',
  /** The client was closed or destroyed (end of test, hard stop). */
  clientClosed: 'HTTP1_CLIENT_CLOSED',
} as const;

export type Http1ErrorCode = (typeof HTTP1_ERROR_CODES)[keyof typeof HTTP1_ERROR_CODES];

export class Http1Error extends Error {
  constructor(
    readonly code: Http1ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Http1Error';
  }
}
