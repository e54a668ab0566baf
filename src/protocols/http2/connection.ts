/**
 * One HTTP/2 connection of the client (RFC 9113): the preface and SETTINGS exchange, streams opened in order
 * and queued beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS, flow control both ways, PING acks, RST_STREAM
 * and GOAWAY. Frames come from FrameParser straight out of the socket's reads; frames go out through Outbox.
 * Deadlines are checked by the client's shared sweeper, as in the HTTP/1.1 client.
 */
import type { Socket } from 'node:net';
import { type ConnectTarget, openSocket } from '../http1/connect.js';
import { H2ConnectionError, HTTP2_ERROR_CODES, Http2Error, protocolError, timeoutError } from './errors.js';
import type { Exchange } from './exchange.js';
import { FrameParser } from './frame-parser.js';
import {
  clientPreface,
  FLAG,
  FRAME,
  FRAME_HEADER_BYTES,
  goawayFrame,
  H2_CODE,
  MAX_WINDOW,
  SETTING,
} from './frames.js';
import { HeaderBlocks } from './header-blocks.js';
import { Outbox } from './outbox.js';
import { Sender } from './sender.js';

/** What a connection needs from the client that owns it. */
export interface ConnectionOwner {
  /** The connection takes no new streams (GOAWAY, failure, ids used up); the client opens another. */
  retired(connection: Http2Connection): void;
  /** The connection is gone; nothing of it is left to sweep. */
  closed(connection: Http2Connection): void;
  /** Send on another connection: queued here, never sent, and this connection will not send it. */
  redispatch(exchange: Exchange): void;
}

/**
 * Every connection reads into this one buffer (Node's `onread`), as the HTTP/1.1 client does: frames are
 * handled synchronously during the read and whatever outlives it (a captured body) is copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Stream ids are 31 bits; a connection that used them up retires (a few hours at 100k requests/s). */
const MAX_STREAM_ID = 2 ** 31 - 1;

export class Http2Connection {
  private readonly socket: Socket;
  private readonly out: Outbox;
  private readonly parser: FrameParser;
  private readonly blocks: HeaderBlocks;
  private readonly streams = new Map<number, Exchange>();
  private readonly queue: Exchange[] = [];
  private nextId = 1;
  /** Server's SETTINGS arrived: until then nothing is sent, so its stream limit is known first. */
  private ready = false;
  /** Takes no new streams; `alive` false: the socket is gone or going. */
  retiring = false;
  private alive = true;
  private goawayReceived = false;
  private failure: Error | undefined;
  private graceful: (() => void) | undefined;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS: streams beyond it wait in `queue`. */
  private maxConcurrent = Number.POSITIVE_INFINITY;
  private readonly sender: Sender;
  /** Bytes received on the connection and not yet credited back with WINDOW_UPDATE. */
  private unacked = 0;

  constructor(
    private readonly owner: ConnectionOwner,
    target: ConnectTarget,
    /** The receive window announced for every stream and for the connection. */
    private readonly windowBytes: number,
  ) {
    this.parser = new FrameParser((type, flags, id, payload) => this.onFrame(type, flags, id, payload));
    this.socket = openSocket(
      target,
      {
        buffer: READ_BUFFER,
        callback: (bytes, buf) => {
          this.onRead(buf as Buffer, bytes);
          return true;
        },
      },
      () => this.onConnected(target.tls !== undefined),
    );
    this.out = new Outbox(this.socket);
    this.sender = new Sender(this.out);
    this.blocks = new HeaderBlocks(this);
    this.socket.on('error', (error: Error) => {
      this.failure ??= error;
    });
    this.socket.on('close', () => this.onClose());
  }

  /** Sends the exchange now, or queues it behind the server's concurrent-stream limit. */
  submit(exchange: Exchange): void {
    if (this.ready && this.streams.size < this.maxConcurrent && this.queue.length === 0) this.start(exchange);
    else this.queue.push(exchange);
  }

  /** Fails exchanges whose time is up; a sent one is reset so the server stops working on it. */
  sweep(nowMs: number): void {
    for (const exchange of this.streams.values()) {
      if (nowMs >= exchange.deadlineMs) {
        this.out.frame(FRAME.rstStream, 0, exchange.id, CANCEL_PAYLOAD);
        this.endStream(exchange, timeoutError(exchange.request.timeoutMs));
      }
    }
    let expired = false;
    for (let i = 0; i < this.queue.length; ) {
      const exchange = this.queue[i] as Exchange;
      if (nowMs >= exchange.deadlineMs) {
        this.queue.splice(i, 1);
        exchange.fail(timeoutError(exchange.request.timeoutMs));
        expired = true;
      } else i++;
    }
    // A request timed out before the server ever answered the preface (a connect that hangs): give up on this
    // connection, so the rest of the queue and later requests get a fresh one instead of waiting on it.
    if (expired && !this.ready && this.alive) {
      this.retire();
      for (const exchange of this.queue.splice(0)) this.owner.redispatch(exchange);
      this.alive = false;
      this.socket.destroy();
    }
  }

  /** Lets streams in flight finish, then says GOAWAY and closes. */
  close(): Promise<void> {
    this.retire();
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.graceful = resolve;
      this.closeIfDone();
    });
  }

  /** Fails everything with `error` and drops the socket. */
  destroy(error: Error): void {
    this.failure ??= error;
    this.retire();
    this.failAll(error);
    this.alive = false;
    this.socket.destroy();
  }

  private onConnected(tls: boolean): void {
    const alpn = tls ? (this.socket as unknown as { alpnProtocol?: string | false }).alpnProtocol : 'h2';
    if (alpn !== 'h2') {
      this.destroy(new Http2Error(HTTP2_ERROR_CODES.session, 'the server did not agree to HTTP/2 (ALPN h2)'));
      return;
    }
    this.out.raw(clientPreface(this.windowBytes));
  }

  private onRead(buf: Buffer, bytes: number): void {
    if (!this.alive) return;
    try {
      this.parser.feed(buf, 0, bytes);
    } catch (error) {
      // HPACK or a frame the state machine refuses: the connection cannot continue (RFC 9113 section 5.4.1).
      const code = error instanceof H2ConnectionError ? error.h2Code : H2_CODE.internalError;
      this.connectionError(code, (error as Error).message);
      return;
    }
    const problem = this.parser.error;
    if (problem) this.connectionError(problem.code, problem.message);
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (!this.ready && type !== FRAME.settings) throw protocolError('the server did not start with SETTINGS');
    if (this.blocks.expecting !== 0 && type !== FRAME.continuation)
      throw protocolError('a header block was interrupted by another frame');
    switch (type) {
      case FRAME.data:
        this.onData(flags, id, payload);
        break;
      case FRAME.headers:
        this.blocks.headers(flags, id, payload, this.known(id));
        break;
      case FRAME.continuation:
        this.blocks.continuation(flags, id, payload);
        break;
      case FRAME.rstStream:
        this.onReset(id, payload.readUInt32BE(0));
        break;
      case FRAME.settings:
        this.onSettings(flags, payload);
        break;
      case FRAME.pushPromise:
        throw protocolError('PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0');
      case FRAME.ping:
        if ((flags & FLAG.ack) === 0) this.out.frame(FRAME.ping, FLAG.ack, 0, payload);
        break;
      case FRAME.goaway:
        this.onGoaway(payload.readUInt32BE(0) & MAX_WINDOW, payload.readUInt32BE(4));
        break;
      case FRAME.windowUpdate:
        this.onWindowUpdate(id, payload.readUInt32BE(0) & MAX_WINDOW);
        break;
      default:
        // PRIORITY and unknown frame types are ignored (RFC 9113 sections 5.1.2 and 4.1).
        break;
    }
  }

  /** A stream this side opened (still open or already closed); an id it never used is a protocol error. */
  private known(id: number): Exchange | undefined {
    if (id % 2 === 0 || id >= this.nextId) throw protocolError(`frame on stream ${id}, never opened`);
    return this.streams.get(id);
  }

  private onData(flags: number, id: number, payload: Buffer): void {
    const exchange = this.known(id);
    // Every DATA byte counts against the connection window, whoever it was for.
    this.unacked += payload.length;
    if (this.unacked >= this.windowBytes / 2) {
      this.sender.credit(0, this.unacked);
      this.unacked = 0;
    }
    if (exchange === undefined) return;
    if (exchange.status === 0) {
      this.streamError(exchange, 'DATA before the response head');
      return;
    }
    let data = payload;
    if (flags & FLAG.padded) {
      const pad = payload.length > 0 ? (payload[0] as number) : 0;
      if (payload.length === 0 || pad >= payload.length) throw protocolError('DATA padding beyond the frame');
      data = payload.subarray(1, payload.length - pad);
    }
    exchange.response.bytesIn += payload.length + FRAME_HEADER_BYTES;
    exchange.data(data);
    if (flags & FLAG.endStream) {
      this.endStream(exchange, undefined);
      return;
    }
    exchange.unacked += payload.length;
    if (exchange.unacked >= this.windowBytes / 2) {
      this.sender.credit(id, exchange.unacked);
      exchange.unacked = 0;
    }
  }

  /** A complete response head or trailers of an open stream (header-blocks.ts). */
  headersDone(exchange: Exchange, endStream: boolean, trailers: boolean): void {
    if (exchange.status === 0) this.streamError(exchange, 'response head without :status');
    else if (trailers && !endStream) this.streamError(exchange, 'trailers without END_STREAM');
    else if (endStream) this.endStream(exchange, undefined);
    // Otherwise a head (final, or 1xx with the final one to follow) and the body is next.
  }

  private onReset(id: number, code: number): void {
    const exchange = this.known(id);
    if (exchange === undefined) return;
    this.endStream(
      exchange,
      new Http2Error(HTTP2_ERROR_CODES.streamReset, `stream reset by the server (code ${code})`),
    );
  }

  private onSettings(flags: number, payload: Buffer): void {
    if (flags & FLAG.ack) return;
    for (let at = 0; at + 6 <= payload.length; at += 6)
      this.applySetting(payload.readUInt16BE(at), payload.readUInt32BE(at + 2));
    this.out.frame(FRAME.settings, FLAG.ack, 0);
    this.ready = true;
    this.pump();
  }

  private applySetting(id: number, value: number): void {
    if (id === SETTING.maxConcurrentStreams) this.maxConcurrent = value;
    else this.sender.setting(id, value, this.streams.values());
    // HEADER_TABLE_SIZE needs nothing: the encoder never uses the dynamic table. Others are advisory.
  }

  private onGoaway(lastStreamId: number, code: number): void {
    this.goawayReceived = true;
    this.retire();
    const error = new Http2Error(
      HTTP2_ERROR_CODES.goaway,
      `server sent GOAWAY (code ${code}) before the response ended`,
    );
    // With an error code the server is ending the connection over a fault (as node:http2 reads it): nothing
    // more will come on any stream. NO_ERROR is a graceful shutdown: streams up to lastStreamId still finish,
    // and later ones were never processed (RFC 9113 section 6.8), so they are sent again elsewhere, once.
    for (const exchange of [...this.streams.values()]) {
      if (code === H2_CODE.noError && exchange.id <= lastStreamId) continue;
      if (code === H2_CODE.noError && !exchange.resent) {
        this.streams.delete(exchange.id);
        this.sender.forget(exchange);
        exchange.resend();
        this.owner.redispatch(exchange);
      } else this.endStream(exchange, error);
    }
    for (const exchange of this.queue.splice(0)) this.owner.redispatch(exchange);
    this.closeIfDone();
  }

  private onWindowUpdate(id: number, increment: number): void {
    const exchange = id === 0 ? undefined : this.known(id);
    if (id !== 0 && exchange === undefined) return;
    if (increment === 0) {
      if (exchange === undefined) throw protocolError('WINDOW_UPDATE of 0');
      this.streamError(exchange, 'WINDOW_UPDATE of 0');
      return;
    }
    this.sender.windowUpdate(exchange, increment);
  }

  private start(exchange: Exchange): void {
    const id = this.nextId;
    this.nextId += 2;
    this.streams.set(id, exchange);
    this.sender.open(exchange, id);
    if (this.nextId > MAX_STREAM_ID) this.retire();
  }

  /** The stream is over: resolved with its response, or failed with `error`. */
  endStream(exchange: Exchange, error: Error | undefined): void {
    if (!this.streams.delete(exchange.id)) return;
    this.sender.forget(exchange);
    if (error === undefined) exchange.finish();
    else exchange.fail(error);
    this.pump();
    this.closeIfDone();
  }

  /** A stream-level protocol error: reset it, keep the connection. */
  private streamError(exchange: Exchange, message: string): void {
    this.out.frame(FRAME.rstStream, 0, exchange.id, PROTOCOL_ERROR_PAYLOAD);
    this.endStream(exchange, new Http2Error(HTTP2_ERROR_CODES.session, message));
  }

  /** Starts queued exchanges while the server's limit allows. */
  private pump(): void {
    // Retired by close() (the end of a test), queued requests still go out here; retired otherwise, elsewhere.
    const handOver = this.retiring && this.graceful === undefined;
    while (this.ready && !handOver && this.queue.length > 0 && this.streams.size < this.maxConcurrent)
      this.start(this.queue.shift() as Exchange);
    if (handOver) for (const exchange of this.queue.splice(0)) this.owner.redispatch(exchange);
  }

  private retire(): void {
    if (this.retiring) return;
    this.retiring = true;
    this.owner.retired(this);
  }

  private closeIfDone(): void {
    if (!this.retiring || !this.alive || this.streams.size > 0 || this.queue.length > 0) return;
    if (this.goawayReceived || this.graceful) {
      // The server never opens streams here (push is off), so the last one this side processed is 0.
      if (!this.goawayReceived) this.out.raw(goawayFrame(0, H2_CODE.noError));
      this.out.flush();
      this.alive = false;
      this.socket.end();
    }
  }

  private connectionError(code: number, message: string): void {
    if (!this.alive) return;
    this.out.raw(goawayFrame(0, code));
    this.out.flush();
    this.destroy(new Http2Error(HTTP2_ERROR_CODES.session, `HTTP/2 protocol error: ${message}`));
  }

  private failAll(error: Error): void {
    const pending = [...this.streams.values(), ...this.queue.splice(0)];
    this.streams.clear();
    this.sender.clear();
    for (const exchange of pending) exchange.fail(error);
  }

  private onClose(): void {
    this.alive = false;
    this.retire();
    // Streams still open lost their connection: the socket's error says why, else GOAWAY or a bare close.
    this.failAll(
      this.failure ??
        (this.goawayReceived
          ? new Http2Error(
              HTTP2_ERROR_CODES.goaway,
              'the server sent GOAWAY and closed before the response ended',
            )
          : new Http2Error(HTTP2_ERROR_CODES.session, 'connection closed before the response ended')),
    );
    this.graceful?.();
    this.owner.closed(this);
  }
}

/** RST_STREAM payloads: a timed-out stream is cancelled, a malformed one refused. */
const CANCEL_PAYLOAD = Buffer.from([0, 0, 0, H2_CODE.cancel]);
const PROTOCOL_ERROR_PAYLOAD = Buffer.from([0, 0, 0, H2_CODE.protocolError]);
