/**
 * A minimal HTTP/1.1 client for `http:` and `https:` origins, built for the load generator's hot path: one
 * serialized Buffer per static request, one socket write per request, a parser that reads only the framing
 * headers, and one coarse sweeper timer for every timeout instead of a timer per request.
 *
 * Lanes work as in src/protocols/http.ts: with at least as many connections as VUs each VU keeps its own
 * connection; with fewer, VUs share one pool per origin.
 */
import type { ConnectGuard } from '../connect-guard.js';
import { type HttpRequest, type HttpResponse, pendingResponse } from '../http-types.js';
import { type TlsSettings, tlsSettings } from '../tls/settings.js';
import { type ConnectTarget, guardedTarget } from './connect.js';
import type { Http1Connection } from './connection.js';
import { HTTP1_ERROR_CODES, Http1Error } from './errors.js';
import { type ConnectionRegistry, Http1Pool } from './pool.js';
import { invalidHeader, serializeRequest } from './request-head.js';

export interface Http1ClientOptions {
  connections: number;
  vus: number;
  connectTimeoutMs: number;
  /** The connection policy, checked at connect time; none: connect anywhere. */
  guard?: ConnectGuard;
  /** For `https:` origins (default: verify against Node's roots, no client certificate). */
  tls?: TlsSettings;
}

/**
 * How often deadlines are checked. A timeout fires up to this late; 25 ms is small next to any sensible
 * request timeout (hundreds of ms and up) and costs 40 wake-ups a second however many requests are in flight.
 */
const SWEEP_INTERVAL_MS = 25;

interface Origin {
  hostHeader: string;
  /** Shared by the origin's pools, so a TLS session ticket one connection got resumes the next connect. */
  target: ConnectTarget;
  /** Lane pools by lane index, or one shared pool at index 0. */
  pools: Http1Pool[];
}

export class Http1Client implements ConnectionRegistry {
  private readonly origins = new Map<string, Origin>();
  private readonly connections = new Set<Http1Connection>();
  private readonly lanes: boolean;
  private sweeper: NodeJS.Timeout | undefined;
  private closedWaiters: (() => void)[] = [];
  closing = false;

  constructor(private readonly options: Http1ClientOptions) {
    this.lanes = options.connections >= options.vus;
  }

  /** Sends one request; `lane` (the VU's, unique on its shard) picks its connection when lanes are in use. */
  send(request: HttpRequest, lane: number): Promise<HttpResponse> {
    const response: HttpResponse = pendingResponse();
    if (this.closing) {
      return this.failed(response, new Http1Error(HTTP1_ERROR_CODES.clientClosed, 'client closed'));
    }
    const origin = this.origin(request.origin);
    // An IP literal the policy refuses fails at once, without opening a socket.
    if (origin.target.refused) return this.failed(response, origin.target.refused);
    // A static step sends the same request object every time, so its bytes are serialized once.
    let payload = request.wire;
    if (payload === undefined) {
      const invalid = invalidHeader(request);
      if (invalid) return this.failed(response, new Http1Error(HTTP1_ERROR_CODES.invalidRequest, invalid));
      payload = serializeRequest(request, origin.hostHeader);
      request.wire = payload;
    }
    const pool = this.pool(origin, lane);
    const bytes = payload;
    return new Promise((resolve) => pool.send(request, bytes, response, resolve));
  }

  /**
   * Opens the connections these VUs' lanes will use for `url`'s origin, ahead of their first request:
   * one per lane, or up to `connections` shared ones. Writes wait for the connect, so a request may use
   * one still connecting; one that fails is gone and the next request opens another.
   */
  preconnect(url: string, lanes: readonly number[]): void {
    if (this.closing) return;
    const origin = this.origin(url);
    if (origin.target.refused) return;
    if (this.lanes) {
      for (const lane of lanes) this.pool(origin, lane).preconnect();
      return;
    }
    const pool = this.pool(origin, 0);
    for (let i = 0; i < Math.min(lanes.length, this.options.connections); i++) pool.preconnect();
  }

  added(connection: Http1Connection): void {
    this.connections.add(connection);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  removed(connection: Http1Connection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.closing) {
      for (const wake of this.closedWaiters.splice(0)) wake();
    }
  }

  /** Lets requests in flight finish, then closes every connection. */
  close(): Promise<void> {
    this.closing = true;
    for (const origin of this.origins.values()) for (const pool of origin.pools) pool?.closeIdle();
    return this.whenAllClosed();
  }

  /** Fails everything in flight or queued (hard stop) and closes every connection. */
  destroy(): Promise<void> {
    this.closing = true;
    const error = new Http1Error(HTTP1_ERROR_CODES.clientClosed, 'client closed');
    for (const origin of this.origins.values()) for (const pool of origin.pools) pool?.failQueued(error);
    for (const connection of [...this.connections]) connection.destroy(error);
    return this.whenAllClosed();
  }

  private whenAllClosed(): Promise<void> {
    if (this.connections.size === 0) {
      this.stopSweeper();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.closedWaiters.push(() => {
        this.stopSweeper();
        resolve();
      }),
    );
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private sweep(): void {
    const nowMs = performance.now();
    for (const connection of this.connections) connection.checkDeadline(nowMs);
  }

  private origin(url: string): Origin {
    let origin = this.origins.get(url);
    if (!origin) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      const target: ConnectTarget = {
        // URL keeps IPv6 literals in brackets; the socket wants the bare address.
        host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port ? Number(parsed.port) : secure ? 443 : 80,
        tls: secure ? (this.options.tls ?? tlsSettings()) : undefined,
        ...guardedTarget(this.options.guard, parsed.hostname),
      };
      origin = { hostHeader: parsed.host, target, pools: [] };
      this.origins.set(url, origin);
    }
    return origin;
  }

  private pool(origin: Origin, lane: number): Http1Pool {
    const index = this.lanes ? lane % this.options.connections : 0;
    let pool = origin.pools[index];
    if (!pool) {
      const max = this.lanes ? 1 : this.options.connections;
      pool = new Http1Pool(this, origin.target, max, this.options.connectTimeoutMs);
      origin.pools[index] = pool;
    }
    return pool;
  }

  private failed(response: HttpResponse, error: Error): Promise<HttpResponse> {
    response.error = error;
    response.doneAtMs = performance.now();
    return Promise.resolve(response);
  }
}
