/** Errors of the HTTP/2 client, each with a stable `code` that src/metrics/error-class.ts classifies. */
export const HTTP2_ERROR_CODES = {
  /** The server reset the stream (RST_STREAM) before the response ended. */
  streamReset: 'H2_STREAM_RESET',
  /** The server sent GOAWAY: the stream was not processed, or the session ended under it. */
  goaway: 'H2_GOAWAY',
  /** The session failed otherwise: a protocol error, or a TLS server that did not agree to h2 by ALPN. */
  session: 'H2_SESSION_ERROR',
  /** No complete response within the request timeout. */
  timeout: 'H2_TIMEOUT',
  /** The client was closed or destroyed (end of test, hard stop). */
  clientClosed: 'H2_CLIENT_CLOSED',
  /** The request itself cannot be sent: a header with CR, LF or NUL, or a path with whitespace. */
  invalidRequest: 'H2_INVALID_REQUEST',
} as const;

export type Http2ErrorCode = (typeof HTTP2_ERROR_CODES)[keyof typeof HTTP2_ERROR_CODES];

export class Http2Error extends Error {
  constructor(
    readonly code: Http2ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Http2Error';
  }
}

/**
 * Thrown inside frame handling when the server broke the protocol: the connection ends with GOAWAY carrying
 * `h2Code` (RFC 9113 section 5.4.1) and its streams fail with an H2_SESSION_ERROR. Never leaves the client.
 */
export class H2ConnectionError extends Error {
  constructor(
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
    this.name = 'H2ConnectionError';
  }
}

export const h2Error = (code: number, message: string) => new H2ConnectionError(code, message);

/** PROTOCOL_ERROR (RFC 9113 section 7), the code of most violations. */
export const protocolError = (message: string) => new H2ConnectionError(1, message);

export const timeoutError = (timeoutMs: number) =>
  new Http2Error(HTTP2_ERROR_CODES.timeout, `no complete response within ${timeoutMs} ms`);
