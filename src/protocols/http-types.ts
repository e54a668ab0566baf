/** One HTTP request and its response, as the engine and both HTTP clients (http1/, undici) see them. */
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
  /** Keep every raw header (for extraction); Set-Cookie headers are kept regardless, for the cookie jar. */
  captureHeaders: boolean;
  /**
   * The serialized request, filled in by the HTTP/1.1 client on first send. A step whose request never
   * changes sends the same object each time, so it is serialized once; never mutate a request after sending.
   */
  wire?: Buffer;
}

export interface HttpResponse {
  status: number;
  /** Raw header name/value pairs: all of them when captured, else only Set-Cookie ones (or none). */
  rawHeaders: Buffer[] | undefined;
  body: string | undefined;
  bytesIn: number;
  bytesOut: number;
  /** performance.now() in ms when the request was handed to the pool, and when the last byte arrived. */
  sentAtMs: number;
  doneAtMs: number;
  error: Error | undefined;
}
