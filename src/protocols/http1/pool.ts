/**
 * Up to `max` keep-alive connections to one origin. A VU lane is a pool of one; with fewer connections
 * than VUs, VUs share a larger pool and wait in a FIFO queue for a free connection.
 */
import type { HttpRequest, HttpResponse } from '../http-types.js';
import type { ConnectTarget } from './connect.js';
import { type ConnectionOwner, Http1Connection, type Resolve } from './connection.js';

/** What a pool reports to the client: every live connection, so one sweeper can check all deadlines. */
export interface ConnectionRegistry {
  added(connection: Http1Connection): void;
  removed(connection: Http1Connection): void;
  readonly closing: boolean;
}

/** Entries per waiting request in the flat queue: request, payload, response, resolve. */
const QUEUE_STRIDE = 4;

export class Http1Pool implements ConnectionOwner {
  private readonly idle: Http1Connection[] = [];
  private live = 0;
  /** Flat FIFO of waiting requests; `queueHead` advances instead of shifting the array. */
  private queue: unknown[] = [];
  private queueHead = 0;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly target: ConnectTarget,
    private readonly max: number,
    private readonly connectTimeoutMs: number,
  ) {}

  send(request: HttpRequest, payload: Buffer, response: HttpResponse, resolve: Resolve): void {
    const connection = this.idle.pop();
    if (connection) connection.send(request, payload, response, resolve, false, response.sentAtMs);
    else if (this.live < this.max)
      this.open().send(request, payload, response, resolve, false, response.sentAtMs);
    else this.queue.push(request, payload, response, resolve);
  }

  released(connection: Http1Connection): void {
    if (this.queueHead < this.queue.length) this.sendNextQueued(connection);
    else if (this.registry.closing) connection.destroy(new Error('client closed'));
    else this.idle.push(connection);
  }

  dead(connection: Http1Connection): void {
    this.live--;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.registry.removed(connection);
    // A waiting request must not wait for a connection that will never be released.
    if (this.queueHead < this.queue.length && this.live < this.max) this.sendNextQueued(this.open());
  }

  retry(request: HttpRequest, payload: Buffer, response: HttpResponse, resolve: Resolve): void {
    // A fresh connection even if others are idle: they may have been closed by the server just the same.
    if (this.live < this.max) this.open().send(request, payload, response, resolve, true, performance.now());
    else this.queue.push(request, payload, response, resolve);
  }

  /** Fails every waiting request (hard stop). */
  failQueued(error: Error): void {
    while (this.queueHead < this.queue.length) {
      const response = this.queue[this.queueHead + 2] as HttpResponse;
      const resolve = this.queue[this.queueHead + 3] as Resolve;
      this.queueHead += QUEUE_STRIDE;
      response.error = error;
      response.doneAtMs = performance.now();
      resolve(response);
    }
    this.queue = [];
    this.queueHead = 0;
  }

  /** Opens a connection ahead of the first request, if the pool has room, and keeps it idle. */
  preconnect(): void {
    if (this.live < this.max) this.idle.push(this.open(true));
  }

  /** Closes idle connections; busy ones close when their exchange ends (see `released`). */
  closeIdle(): void {
    for (const connection of [...this.idle]) connection.destroy(new Error('client closed'));
  }

  private open(preopened = false): Http1Connection {
    const connection = new Http1Connection(this, this.target, this.connectTimeoutMs, preopened);
    this.live++;
    this.registry.added(connection);
    return connection;
  }

  private sendNextQueued(connection: Http1Connection): void {
    const q = this.queue;
    const h = this.queueHead;
    this.queueHead = h + QUEUE_STRIDE;
    if (this.queueHead === q.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    connection.send(
      q[h] as HttpRequest,
      q[h + 1] as Buffer,
      q[h + 2] as HttpResponse,
      q[h + 3] as Resolve,
      false,
      performance.now(),
    );
  }
}
