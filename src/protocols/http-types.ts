// The module's own binding: the global `performance` is a lazy getter that costs a call on every use.
import { performance } from 'node:perf_hooks';

/** One HTTP request and its response, as the engine and the HTTP clients (http1/, http2/, undici) see them. */
export interface HttpRequest {
  origin: string;
  path: string;
  method: string;
  /** Flat [name, value, name, value, ...] list: undici's cheapest header form. */
  headers: string[];
  body: string | undefined;
  timeoutMs: number;
  /** Keep the body text (for checks and extraction); otherwise only its size is counted. */
  captureBody: boolean;
  /** Keep at most this many body bytes (default DEFAULT_MAX_BODY_BYTES); the rest is counted and dropped. */
  maxBodyBytes?: number;
  /** Keep every raw header (for extraction); Set-Cookie headers are kept regardless, for the cookie jar. */
  captureHeaders: boolean;
  /**
   * The serialized request, filled in by the HTTP/1.1 client on first send. A step whose request never
   * changes sends the same object each time, so it is serialized once; never mutate a request after sending.
   */
  wire?: Buffer;
  /** The same for HTTP/2: the request's HPACK header block, filled in by the HTTP/2 client on first send. */
  h2Block?: Buffer;
  /** The engine sends this object again (a static step, a VU's unchanged request): its `wire` (or `h2Block`) lives long. */
  resent?: boolean;
  /** Shared by every request of one step whose headers or path vary: what stays the same is serialized once. */
  head?: RequestHeadCache;
}

/**
 * A step's requests differ only in templated parts. The step puts its static header pairs first in
 * `headers` and shares one of these between its requests; the HTTP/1.1 client fills in `text` on first send
 * and from then on serializes only the dynamic headers (and the path, when it varies).
 */
export interface RequestHeadCache {
  /** `headers` starts with this many name/value pairs that are the same in every request of the step. */
  readonly staticPairs: number;
  /** True when method and path are the same in every request: the request line is cached too. */
  readonly staticLine: boolean;
  /** Filled in by the client: the request line (when static) and the static headers, serialized and checked. */
  text?: string;
  /** Filled in by the client: the Host line to add after the dynamic headers, or '' when the step sets Host. */
  hostLine?: string;
  /** Filled in by the HTTP/2 client: the static header pairs as HPACK fields (without Host). */
  h2Static?: Buffer;
  /** Filled in by the HTTP/2 client: the static pairs' Host value (sent as :authority), or '' if none. */
  h2Host?: string;
  /** Filled in by the HTTP/2 client when the line is static: pseudo-headers and static pairs, encoded. */
  h2Prefix?: Buffer;
}

export interface HttpResponse {
  status: number;
  /** Raw header name/value pairs: all of them when captured, else only Set-Cookie ones (or none). */
  rawHeaders: Buffer[] | undefined;
  body: string | undefined;
  /** The body was longer than maxBodyBytes: `body` holds only its beginning (bytesIn counts all of it). */
  bodyTruncated: boolean;
  bytesIn: number;
  bytesOut: number;
  /** performance.now() in ms when the request was handed to the pool, and when the last byte arrived. */
  sentAtMs: number;
  doneAtMs: number;
  error: Error | undefined;
}

/** A response not yet answered, timed from now: every client starts from this one shape (one hidden class). */
export function pendingResponse(bytesOut = 0): HttpResponse {
  return {
    status: 0,
    rawHeaders: undefined,
    body: undefined,
    bodyTruncated: false,
    bytesIn: 0,
    bytesOut,
    sentAtMs: performance.now(),
    doneAtMs: 0,
    error: undefined,
  };
}
