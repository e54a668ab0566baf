/**
 * HTTP for the load generator. `http:` and `https:` origins go through Stampede's own HTTP/1.1 client
 * (src/protocols/http1/), built for the per-core request rate. STAMPEDE_HTTP_CLIENT=undici sends them through
 * undici's keep-alive connections and low-level `dispatch` API instead (the reference the own client is
 * tested against): no response stream, no header object, and undici's own coarse timers for timeouts.
 *
 * When there are at least as many connections as VUs, each VU keeps its own connection (a "lane"), as a
 * browser session would; that also skips the pool's search for a free connection on every request. With
 * fewer connections than VUs, VUs share an undici Pool.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { type Negotiated, probeAlpn } from './alpn.js';
import { BodyCapture, DEFAULT_MAX_BODY_BYTES } from './body-capture.js';
import type { ConnectGuard } from './connect-guard.js';
import { type HttpRequest, type HttpResponse, pendingResponse } from './http-types.js';
import { Http1Client } from './http1/client.js';
import { Http2Client } from './http2/client.js';
import { lazyPackage } from './lazy-package.js';
import { type TlsMaterial, type TlsSettings, tlsSettings } from './tls/settings.js';

const undici = lazyPackage<typeof Undici>('undici');

export type { HttpRequest, HttpResponse, RequestHeadCache } from './http-types.js';
export type { TlsMaterial } from './tls/settings.js';

export interface HttpClientOptions {
  /** Keep-alive connections per origin. */
  connections: number;
  /** VUs that will send through this client; lanes are used when connections >= vus. */
  vus: number;
  connectTimeoutMs: number;
  insecureSkipTLSVerify: boolean;
  /** CA bundle, client certificate and SNI name for `https:` origins (PEM text, already read). */
  tls?: TlsMaterial;
  /** Send origins through the HTTP/1.1 client (default: yes, unless STAMPEDE_HTTP_CLIENT=undici). */
  http1?: boolean;
  /** The connection policy, checked where each connection is made; none: connect anywhere. */
  guard?: ConnectGuard;
  /** Speak HTTP/2 (TLS with ALPN h2, or h2c with prior knowledge) over this many sessions per origin. */
  http2?: { connections: number };
  /**
   * Offer h2 and http/1.1 by ALPN on each `https:` origin and speak what the server picks (alpn.ts); HTTP/2
   * then uses this many sessions per origin. Ignored when `http2` is set.
   */
  negotiateHttp2?: { connections: number };
}

/** Idle keep-alive connections are kept this long; a test target rarely wants fewer. */
const KEEP_ALIVE_MS = 30_000;

/** Header block overhead estimate for byte counting: request line, host and framing. */
const REQUEST_LINE_OVERHEAD = 32;

class ResponseHandler implements Dispatcher.DispatchHandler {
  private readonly body: BodyCapture | undefined;
  readonly response: HttpResponse;

  constructor(
    request: HttpRequest,
    bytesOut: number,
    private readonly resolve: (r: HttpResponse) => void,
  ) {
    this.body = request.captureBody
      ? new BodyCapture(request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      : undefined;
    this.response = pendingResponse(bytesOut);
    this.captureHeaders = request.captureHeaders;
  }

  private readonly captureHeaders: boolean;

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx informational: the real status follows
    this.response.status = statusCode;
    this.response.rawHeaders = this.captureHeaders ? rawHeaders : onlySetCookies(rawHeaders);
    let size = 0;
    for (let i = 0; i < rawHeaders.length; i++) size += (rawHeaders[i] as Buffer).length + 2;
    this.response.bytesIn += size;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.response.bytesIn += chunk.length;
    this.body?.push(chunk);
    return true;
  }

  onComplete(): void {
    const r = this.response;
    r.doneAtMs = performance.now();
    if (this.body) {
      r.body = this.body.text();
      r.bodyTruncated = this.body.truncated;
    }
    this.resolve(r);
  }

  onError(error: Error): void {
    const r = this.response;
    r.doneAtMs = performance.now();
    r.error = error;
    this.resolve(r);
  }
}

/** The Set-Cookie pairs of raw headers (what the cookie jar needs when headers are not captured). */
function onlySetCookies(rawHeaders: Buffer[]): Buffer[] | undefined {
  let out: Buffer[] | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as Buffer;
    if (name.length !== SET_COOKIE.length || name.toString('latin1').toLowerCase() !== SET_COOKIE) continue;
    out ??= [];
    out.push(name, rawHeaders[i + 1] as Buffer);
  }
  return out;
}

/** Per origin: the protocol it picked by ALPN, or the probe still deciding it. */
type Picks = Map<string, Negotiated | Promise<Negotiated | undefined>>;

export class HttpClient {
  private readonly dispatchers = new Map<string, Dispatcher[]>();
  /** Per origin: the policy's refusal of an IP-literal host (names are checked by the connect lookup). */
  private readonly refusedOrigins = new Map<string, Error | undefined>();
  private readonly lanes: boolean;
  private readonly http1: Http1Client | undefined;
  private readonly http2: Http2Client | undefined;
  /** With negotiateHttp2: each origin's pick, or the probe still deciding it. */
  private readonly picks: Picks | undefined;
  private readonly tls: TlsSettings;
  private closed = false;

  constructor(private readonly options: HttpClientOptions) {
    this.lanes = options.connections >= options.vus;
    const http1 = options.http1 ?? process.env.STAMPEDE_HTTP_CLIENT !== 'undici';
    this.tls = tlsSettings({ ...options.tls, insecureSkipVerify: options.insecureSkipTLSVerify });
    const tls = this.tls;
    const guard = options.guard ? { guard: options.guard } : {};
    const h2 = options.http2 ?? options.negotiateHttp2;
    this.http2 = h2 ? new Http2Client({ connections: h2.connections, tls, ...guard }) : undefined;
    this.picks = !options.http2 && options.negotiateHttp2 ? new Map() : undefined;
    const needsHttp1 = !options.http2;
    this.http1 = http1 && needsHttp1 ? new Http1Client({ ...options, tls }) : undefined;
  }

  private connectOptions() {
    const tls = this.options.tls;
    return {
      timeout: this.options.connectTimeoutMs,
      ...(this.options.guard ? { lookup: this.options.guard.lookup } : {}),
      ...(this.options.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(tls?.ca ? { ca: tls.ca } : {}),
      ...(tls?.cert ? { cert: tls.cert } : {}),
      ...(tls?.key ? { key: tls.key } : {}),
      ...(tls?.serverName ? { servername: tls.serverName } : {}),
    };
  }

  private dispatcherFor(origin: string, lane: number): Dispatcher {
    let list = this.dispatchers.get(origin);
    if (!list) {
      list = [];
      this.dispatchers.set(origin, list);
    }
    if (!this.lanes) {
      let pool = list[0];
      if (!pool) {
        pool = new (undici().Pool)(origin, {
          connections: this.options.connections,
          pipelining: 1,
          keepAliveTimeout: KEEP_ALIVE_MS,
          connect: this.connectOptions(),
        });
        list[0] = pool;
      }
      return pool;
    }
    const index = lane % this.options.connections;
    let client = list[index];
    if (!client) {
      client = new (undici().Client)(origin, {
        pipelining: 1,
        keepAliveTimeout: KEEP_ALIVE_MS,
        connect: this.connectOptions(),
      });
      list[index] = client;
    }
    return client;
  }

  private refusedOrigin(origin: string): Error | undefined {
    const guard = this.options.guard;
    if (!guard) return undefined;
    if (!this.refusedOrigins.has(origin))
      this.refusedOrigins.set(origin, guard.refuseLiteral(new URL(origin).hostname));
    return this.refusedOrigins.get(origin);
  }

  /**
   * Opens HTTP/1.1 connections to `origin` for these lanes ahead of the first requests (see
   * Http1Client.preconnect). HTTP/2, negotiated origins and the undici path open theirs on first use.
   */
  preconnect(origin: string, lanes: readonly number[]): void {
    if (this.http1 && !this.http2 && !this.picks && !this.closed) this.http1.preconnect(origin, lanes);
  }

  /** Sends one request; `lane` (the VU's, unique on its shard) picks its connection when lanes are in use. */
  send(request: HttpRequest, lane: number): Promise<HttpResponse> {
    if (this.picks) return this.sendNegotiated(this.picks, request, lane);
    if (this.http2) return this.http2.send(request, lane);
    return this.sendHttp1(request, lane);
  }

  /**
   * Over the protocol the origin picked; the first requests wait for the probe, and their latency starts
   * before it, as a first request's latency includes its connect.
   */
  private sendNegotiated(picks: Picks, request: HttpRequest, lane: number): Promise<HttpResponse> {
    const pick = picks.get(request.origin);
    if (pick === 'h2') return (this.http2 as Http2Client).send(request, lane);
    if (pick === 'http/1.1') return this.sendHttp1(request, lane);
    const startedAtMs = performance.now();
    let probe = pick;
    if (!probe) {
      const guard = this.options.guard ? { guard: this.options.guard } : {};
      probe = probeAlpn(request.origin, {
        tls: this.tls,
        ...guard,
        timeoutMs: this.options.connectTimeoutMs,
      }).then((picked) => {
        // Undecided (refused, TLS failure): HTTP/1.1 reports the cause, and the next request probes again.
        if (picked) picks.set(request.origin, picked);
        else picks.delete(request.origin);
        return picked;
      });
      picks.set(request.origin, probe);
    }
    return probe
      .then((picked) =>
        picked === 'h2' ? (this.http2 as Http2Client).send(request, lane) : this.sendHttp1(request, lane),
      )
      .then((response) => {
        response.sentAtMs = startedAtMs;
        return response;
      });
  }

  private sendHttp1(request: HttpRequest, lane: number): Promise<HttpResponse> {
    if (this.http1) return this.http1.send(request, lane);
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
      const refused = this.refusedOrigin(request.origin);
      if (refused) {
        handler.onError(refused);
        return;
      }
      this.dispatcherFor(request.origin, lane).dispatch(
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

  private all(): Dispatcher[] {
    return [...this.dispatchers.values()].flatMap((list) => list.filter((d) => d !== undefined));
  }

  /** Aborts everything in flight (hard stop) and releases sockets. */
  async destroy(): Promise<void> {
    this.closed = true;
    await Promise.all([
      this.http1?.destroy(),
      this.http2?.destroy(),
      ...this.all().map((d) => d.destroy().catch(() => undefined)),
    ]);
    this.dispatchers.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([
      this.http1?.close(),
      this.http2?.close(),
      ...this.all().map((d) => d.close().catch(() => undefined)),
    ]);
    this.dispatchers.clear();
  }
}

/** Set-Cookie is matched by length and first byte before any string is made from a header name. */
const SET_COOKIE = 'set-cookie';

/** Values of every Set-Cookie header, without decoding any other header name. */
export function setCookieValues(rawHeaders: Buffer[] | undefined): string[] | undefined {
  if (!rawHeaders) return undefined;
  let out: string[] | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as Buffer;
    if (name.length !== SET_COOKIE.length || (name[0] !== 0x73 && name[0] !== 0x53)) continue;
    if (name.toString('latin1').toLowerCase() !== SET_COOKIE) continue;
    const value = (rawHeaders[i + 1] as Buffer).toString('latin1');
    if (out) out.push(value);
    else out = [value];
  }
  return out;
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
