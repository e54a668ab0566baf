/**
 * HTTP over undici keep-alive pools, through the low-level `dispatch` API: no response stream, no header
 * object unless a step needs one, and undici's own coarse timers for timeouts (none of ours per request).
 */

import type { Dispatcher } from 'undici';
import { Pool } from 'undici';

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
  /** Keep raw headers (for extraction and cookies). */
  captureHeaders: boolean;
}

export interface HttpResponse {
  status: number;
  /** Raw header pairs as undici gives them, only when captured. */
  rawHeaders: Buffer[] | undefined;
  body: string | undefined;
  bytesIn: number;
  bytesOut: number;
  /** performance.now() in ms when the request was handed to the pool, and when the last byte arrived. */
  sentAtMs: number;
  doneAtMs: number;
  error: Error | undefined;
}

export interface HttpClientOptions {
  /** Keep-alive connections per origin. */
  connections: number;
  connectTimeoutMs: number;
  insecureSkipTLSVerify: boolean;
}

/** Header block overhead estimate for byte counting: request line, host and framing. */
const REQUEST_LINE_OVERHEAD = 32;

class ResponseHandler implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] | undefined;
  readonly response: HttpResponse;

  constructor(
    request: HttpRequest,
    bytesOut: number,
    private readonly resolve: (r: HttpResponse) => void,
  ) {
    this.chunks = request.captureBody ? [] : undefined;
    this.response = {
      status: 0,
      rawHeaders: undefined,
      body: undefined,
      bytesIn: 0,
      bytesOut,
      sentAtMs: performance.now(),
      doneAtMs: 0,
      error: undefined,
    };
    this.captureHeaders = request.captureHeaders;
  }

  private readonly captureHeaders: boolean;

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx informational: the real status follows
    this.response.status = statusCode;
    if (this.captureHeaders) this.response.rawHeaders = rawHeaders;
    let size = 0;
    for (let i = 0; i < rawHeaders.length; i++) size += (rawHeaders[i] as Buffer).length + 2;
    this.response.bytesIn += size;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.response.bytesIn += chunk.length;
    this.chunks?.push(chunk);
    return true;
  }

  onComplete(): void {
    const r = this.response;
    r.doneAtMs = performance.now();
    if (this.chunks) r.body = Buffer.concat(this.chunks).toString('utf8');
    this.resolve(r);
  }

  onError(error: Error): void {
    const r = this.response;
    r.doneAtMs = performance.now();
    r.error = error;
    this.resolve(r);
  }
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: HttpClientOptions) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: {
          timeout: this.options.connectTimeoutMs,
          ...(this.options.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
        },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    let bytesOut = REQUEST_LINE_OVERHEAD + request.method.length + request.path.length;
    const headers = request.headers;
    for (let i = 0; i < headers.length; i++) bytesOut += (headers[i] as string).length + 2;
    if (request.body !== undefined) bytesOut += Buffer.byteLength(request.body);
    return new Promise((resolve) => {
      const handler = new ResponseHandler(request, bytesOut, resolve);
      if (this.closed) {
        handler.onError(Object.assign(new Error('client closed'), { code: 'UND_ERR_CLOSED' }));
        return;
      }
      this.pool(request.origin).dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method as Dispatcher.HttpMethod,
          headers,
          body: request.body ?? null,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
        },
        handler,
      );
    });
  }

  /** Aborts everything in flight (hard stop) and releases sockets. */
  async destroy(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((p) => p.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }
}

/** Case-insensitive lookup in raw header pairs; returns every value (Set-Cookie repeats). */
export function headerValues(rawHeaders: Buffer[] | undefined, lowerName: string): string[] {
  const out: string[] = [];
  if (!rawHeaders) return out;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as Buffer;
    if (name.length === lowerName.length && name.toString('latin1').toLowerCase() === lowerName) {
      out.push((rawHeaders[i + 1] as Buffer).toString('latin1'));
    }
  }
  return out;
}
