/**
 * HTTP/2 for the load generator, on this project's own HTTP/2 implementation (connection.ts and the modules
 * it uses): over TLS with ALPN h2, or cleartext with prior knowledge (h2c) for `http:` origins. VUs' requests
 * are streams multiplexed over a fixed number of connections per origin (a VU uses connection `vu mod n`),
 * each stream timed on its own. Sockets come from the same connect function as HTTP/1.1
 * (src/protocols/http1/connect.ts), so TLS settings, session resumption and the connection policy apply
 * alike. Timeouts are checked by one coarse sweeper, as in the HTTP/1.1 client.
 *
 * node:http2 carried this before; its per-stream objects and header conversion cost about six times the CPU
 * per request of this path (docs/benchmarks.md).
 */
// The module's own binding: the global `performance` is a lazy getter that costs a call on every use.
import { performance } from 'node:perf_hooks';
import type { ConnectGuard } from '../connect-guard.js';
import { type HttpRequest, type HttpResponse, pendingResponse } from '../http-types.js';
import { type ConnectTarget, guardedTarget } from '../http1/connect.js';
import { invalidFields } from '../request-fields.js';
import type { TlsSettings } from '../tls/settings.js';
import { type ConnectionOwner, Http2Connection } from './connection.js';
import { HTTP2_ERROR_CODES, Http2Error } from './errors.js';
import { Exchange, type Resolve } from './exchange.js';
import { requestBlock } from './request-block.js';

export interface Http2ClientOptions {
  /** Connections per origin; streams of all VUs are spread over them. */
  connections: number;
  /** For `https:` origins; ALPN is set to h2 here. */
  tls: TlsSettings;
  /** The connection policy, checked where each connection's socket connects; none: connect anywhere. */
  guard?: ConnectGuard;
  /** Receive window announced per stream and per connection (default 16 MiB); tests make it small. */
  windowBytes?: number;
}

/** How often deadlines are checked; see SWEEP_INTERVAL_MS in the HTTP/1.1 client for the reasoning. */
const SWEEP_INTERVAL_MS = 25;

/**
 * Large enough that a load generator that reads every byte at once never stalls a server on flow control,
 * small enough to stay far from the 2^31-1 limit.
 */
const DEFAULT_WINDOW_BYTES = 16 * 1024 * 1024;

interface Origin {
  scheme: string;
  authority: string;
  target: ConnectTarget;
  /** The connection of each lane slot; a retired one is replaced on the next request. */
  slots: (Http2Connection | undefined)[];
}

export class Http2Client implements ConnectionOwner {
  private readonly origins = new Map<string, Origin>();
  /** Every connection still open, retired or not: swept, closed and destroyed from here. */
  private readonly connections = new Set<Http2Connection>();
  /** Where each connection sits, to clear its slot when it retires. */
  private readonly slotOf = new Map<Http2Connection, { origin: Origin; index: number }>();
  private sweeper: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: Http2ClientOptions) {}

  send(request: HttpRequest, lane: number): Promise<HttpResponse> {
    const response: HttpResponse = pendingResponse();
    if (this.closing)
      return failed(response, new Http2Error(HTTP2_ERROR_CODES.clientClosed, 'client closed'));
    const origin = this.origin(request.origin);
    // An IP literal the policy refuses fails at once, without opening a socket.
    if (origin.target.refused) return failed(response, origin.target.refused);
    if (request.h2Block === undefined) {
      // A step's static pairs and path were checked on its first send, before they were encoded and kept.
      const cache = request.head;
      const invalid = invalidFields(
        request,
        cache?.h2Static !== undefined ? cache.staticPairs : 0,
        cache?.h2Prefix !== undefined,
      );
      if (invalid) return failed(response, new Http2Error(HTTP2_ERROR_CODES.invalidRequest, invalid));
    }
    const block = requestBlock(request, origin.scheme, origin.authority);
    return new Promise((resolve: Resolve) => {
      const exchange = new Exchange(request, lane % this.options.connections, block, response, resolve);
      this.connection(origin, exchange.lane).submit(exchange);
    });
  }

  retired(connection: Http2Connection): void {
    const slot = this.slotOf.get(connection);
    if (slot && slot.origin.slots[slot.index] === connection) slot.origin.slots[slot.index] = undefined;
  }

  closed(connection: Http2Connection): void {
    this.retired(connection);
    this.connections.delete(connection);
    this.slotOf.delete(connection);
  }

  redispatch(exchange: Exchange): void {
    if (this.closing) {
      exchange.fail(new Http2Error(HTTP2_ERROR_CODES.clientClosed, 'client closed'));
      return;
    }
    const slot = this.origins.get(exchange.request.origin) as Origin;
    this.connection(slot, (exchange.response.sentAtMs % this.options.connections) | 0).submit(exchange);
  }

  private connection(origin: Origin, index: number): Http2Connection {
    const existing = origin.slots[index];
    if (existing !== undefined) return existing;
    const connection = new Http2Connection(
      this,
      origin.target,
      this.options.windowBytes ?? DEFAULT_WINDOW_BYTES,
    );
    origin.slots[index] = connection;
    this.connections.add(connection);
    this.slotOf.set(connection, { origin, index });
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    return connection;
  }

  private sweep(): void {
    const nowMs = performance.now();
    for (const connection of this.connections) connection.sweep(nowMs);
  }

  private origin(url: string): Origin {
    let origin = this.origins.get(url);
    if (!origin) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      origin = {
        scheme: secure ? 'https' : 'http',
        authority: parsed.host,
        target: {
          host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: parsed.port ? Number(parsed.port) : secure ? 443 : 80,
          tls: secure ? { ...this.options.tls, alpn: ['h2'] } : undefined,
          ...guardedTarget(this.options.guard, parsed.hostname),
        },
        slots: [],
      };
      this.origins.set(url, origin);
    }
    return origin;
  }

  /** Lets streams in flight finish, then closes every connection. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.connections].map((c) => c.close()));
    this.stopSweeper();
  }

  /** Fails every stream in flight (hard stop) and closes every connection. */
  async destroy(): Promise<void> {
    this.closing = true;
    const error = new Http2Error(HTTP2_ERROR_CODES.clientClosed, 'client closed');
    for (const connection of [...this.connections]) connection.destroy(error);
    this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

function failed(response: HttpResponse, error: Error): Promise<HttpResponse> {
  response.error = error;
  response.doneAtMs = performance.now();
  return Promise.resolve(response);
}
