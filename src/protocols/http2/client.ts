/**
 * HTTP/2 for the load generator, on node:http2: over TLS with ALPN h2, or cleartext with prior knowledge
 * (h2c) for `http:` origins. VUs' requests are streams multiplexed over a fixed number of sessions per origin
 * (a VU uses session `vu mod n`), each stream timed on its own. Sockets come from the same connect function
 * as HTTP/1.1 (src/protocols/http1/connect.ts), so TLS settings, session resumption and any connect-time check
 * apply alike. Timeouts are checked by one coarse sweeper, as in the HTTP/1.1 client.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { BodyCapture, DEFAULT_MAX_BODY_BYTES } from '../body-capture.js';
import type { ConnectGuard } from '../connect-guard.js';
import { type HttpRequest, type HttpResponse, pendingResponse } from '../http-types.js';
import { type ConnectTarget, guardedTarget, openSocket } from '../http1/connect.js';
import type { TlsSettings } from '../tls/settings.js';
import { HTTP2_ERROR_CODES, Http2Error } from './errors.js';

export interface Http2ClientOptions {
  /** Sessions (TCP connections) per origin; streams of all VUs are spread over them. */
  connections: number;
  /** For `https:` origins; ALPN is set to h2 here. */
  tls: TlsSettings;
  /** The connection policy, checked where each session's socket connects; none: connect anywhere. */
  guard?: ConnectGuard;
}

/** How often deadlines are checked; see SWEEP_INTERVAL_MS in the HTTP/1.1 client for the reasoning. */
const SWEEP_INTERVAL_MS = 25;

/** Headers HTTP/2 forbids or replaces with pseudo-headers (RFC 9113 section 8.2.2). */
const CONNECTION_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

interface Origin {
  authority: string;
  target: ConnectTarget;
  sessions: (ClientHttp2Session | undefined)[];
}

interface InFlight {
  stream: ClientHttp2Stream;
  deadlineMs: number;
  timeoutMs: number;
  fail(error: Error): void;
}

export class Http2Client {
  private readonly origins = new Map<string, Origin>();
  private readonly inFlight = new Set<InFlight>();
  private readonly goaway = new WeakSet<ClientHttp2Session>();
  private readonly sessionErrors = new WeakMap<ClientHttp2Session, Error>();
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: Http2ClientOptions) {}

  send(request: HttpRequest, lane: number): Promise<HttpResponse> {
    const response: HttpResponse = pendingResponse();
    if (this.closing) {
      response.error = new Http2Error(HTTP2_ERROR_CODES.clientClosed, 'client closed');
      response.doneAtMs = performance.now();
      return Promise.resolve(response);
    }
    const session = this.session(this.origin(request.origin), lane);
    return new Promise((resolve) => this.exchange(session, request, response, resolve));
  }

  private exchange(
    session: ClientHttp2Session,
    request: HttpRequest,
    response: HttpResponse,
    resolve: (r: HttpResponse) => void,
  ): void {
    const headers = requestHeaders(request);
    response.bytesOut =
      headerBytes(headers) + (request.body === undefined ? 0 : Buffer.byteLength(request.body));
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: request.body === undefined });
    } catch (error) {
      response.error = this.classify(session, error as Error);
      response.doneAtMs = performance.now();
      resolve(response);
      return;
    }
    const captured = request.captureBody
      ? new BodyCapture(request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      : undefined;
    let ended = false;
    let failure: Error | undefined;
    const entry: InFlight = {
      stream,
      deadlineMs: response.sentAtMs + request.timeoutMs,
      timeoutMs: request.timeoutMs,
      fail: (error) => {
        failure ??= error;
        stream.close(constants.NGHTTP2_CANCEL);
      },
    };
    this.track(entry);
    stream.on('response', (h: IncomingHttpHeaders) => {
      response.status = Number(h[':status']);
      response.bytesIn += headerBytes(h);
      response.rawHeaders = responseRawHeaders(h, request.captureHeaders);
    });
    stream.on('data', (chunk: Buffer) => {
      response.bytesIn += chunk.length;
      captured?.push(chunk);
    });
    stream.on('end', () => {
      ended = true;
    });
    stream.on('error', (error: Error) => {
      failure ??= error;
    });
    stream.on('close', () => {
      this.inFlight.delete(entry);
      response.doneAtMs = performance.now();
      if (ended && failure === undefined && response.status > 0) {
        if (captured) {
          response.body = captured.text();
          response.bodyTruncated = captured.truncated;
        }
      } else {
        response.error =
          failure instanceof Http2Error ? failure : this.classify(session, failure, stream.rstCode);
      }
      resolve(response);
    });
    if (request.body !== undefined) stream.end(request.body);
  }

  /** Our error class for a failed stream: reset, GOAWAY, session failure, or the socket's own error. */
  private classify(session: ClientHttp2Session, streamError: Error | undefined, rstCode?: number): Error {
    const sessionError = this.sessionErrors.get(session);
    const sessionCode = (sessionError as NodeJS.ErrnoException | undefined)?.code ?? '';
    // The socket failed (refused, TLS, DNS): that is the cause, whatever the stream saw after.
    if (sessionError && !sessionCode.startsWith('ERR_HTTP2')) return sessionError;
    const code = (streamError as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (this.goaway.has(session) || code === 'ERR_HTTP2_GOAWAY_SESSION')
      return new Http2Error(HTTP2_ERROR_CODES.goaway, 'server sent GOAWAY before the response ended');
    if (
      code === 'ERR_HTTP2_STREAM_ERROR' ||
      (rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR)
    )
      return new Http2Error(
        HTTP2_ERROR_CODES.streamReset,
        `stream reset (${streamError?.message ?? `code ${rstCode}`})`,
      );
    if (streamError && !code.startsWith('ERR_HTTP2')) return streamError;
    const cause = streamError ?? sessionError;
    return new Http2Error(
      HTTP2_ERROR_CODES.session,
      cause?.message ?? 'stream closed before the response ended',
    );
  }

  private track(entry: InFlight): void {
    this.inFlight.add(entry);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  private sweep(): void {
    const nowMs = performance.now();
    for (const entry of this.inFlight) {
      if (nowMs >= entry.deadlineMs)
        entry.fail(
          new Http2Error(HTTP2_ERROR_CODES.timeout, `no complete response within ${entry.timeoutMs} ms`),
        );
    }
  }

  private origin(url: string): Origin {
    let origin = this.origins.get(url);
    if (!origin) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      origin = {
        authority: url,
        target: {
          host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: parsed.port ? Number(parsed.port) : secure ? 443 : 80,
          tls: secure ? { ...this.options.tls, alpn: ['h2'] } : undefined,
          ...guardedTarget(this.options.guard, parsed.hostname),
        },
        sessions: [],
      };
      this.origins.set(url, origin);
    }
    return origin;
  }

  private session(origin: Origin, lane: number): ClientHttp2Session {
    const index = lane % this.options.connections;
    const existing = origin.sessions[index];
    if (existing && !existing.closed && !existing.destroyed && !this.goaway.has(existing)) return existing;
    const session = connect(origin.authority, {
      createConnection: () => {
        const socket = openSocket(origin.target, undefined, () => {});
        // The socket's failure (refused, TLS) reaches the streams before the session's: keep it to class them.
        socket.once('error', (error: Error) => this.sessionErrors.set(session, error));
        return socket;
      },
    });
    session.on('error', (error: Error) => {
      if (!this.sessionErrors.has(session)) this.sessionErrors.set(session, error);
    });
    session.on('goaway', () => this.goaway.add(session));
    session.on('close', () => {
      if (origin.sessions[index] === session) origin.sessions[index] = undefined;
    });
    origin.sessions[index] = session;
    return session;
  }

  private sessions(): ClientHttp2Session[] {
    return [...this.origins.values()].flatMap((o) => o.sessions.filter((s) => s !== undefined));
  }

  /** Lets streams in flight finish, then closes every session. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.sessions().map((s) => new Promise<void>((resolve) => s.close(resolve))));
    this.stopSweeper();
  }

  /** Fails every stream in flight (hard stop) and closes every session. */
  async destroy(): Promise<void> {
    this.closing = true;
    for (const entry of this.inFlight)
      entry.fail(new Http2Error(HTTP2_ERROR_CODES.clientClosed, 'client closed'));
    for (const s of this.sessions()) s.destroy();
    this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

function requestHeaders(request: HttpRequest): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': request.method, ':path': request.path };
  const headers = request.headers;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    const value = headers[i + 1] as string;
    if (name === 'host') out[':authority'] = value;
    else if (!CONNECTION_HEADERS.has(name) && name !== 'content-length') out[name] = value;
  }
  return out;
}

/** A size estimate for byte counters: HPACK compresses headers, so this is an upper bound. */
function headerBytes(headers: OutgoingHttpHeaders | IncomingHttpHeaders): number {
  let n = 0;
  for (const name in headers) n += name.length + String(headers[name]).length + 2;
  return n;
}

/** Raw name/value pairs for extraction and the cookie jar: all when captured, else only Set-Cookie. */
function responseRawHeaders(headers: IncomingHttpHeaders, all: boolean): Buffer[] | undefined {
  let out: Buffer[] | undefined;
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a || (!all && name !== 'set-cookie')) continue;
    const value = headers[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      out ??= [];
      out.push(Buffer.from(name, 'latin1'), Buffer.from(String(v), 'latin1'));
    }
  }
  return out;
}
