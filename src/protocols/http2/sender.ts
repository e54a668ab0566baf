/**
 * The sending half of a connection: HEADERS (split into CONTINUATION frames beyond the server's frame size)
 * and request bodies in DATA frames within both flow-control windows (RFC 9113 section 5.2), holding back
 * what does not fit until the server's WINDOW_UPDATE.
 */
import { h2Error } from './errors.js';
import type { Exchange } from './exchange.js';
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  FLAG,
  FRAME,
  H2_CODE,
  MAX_WINDOW,
  SETTING,
} from './frames.js';
import type { Outbox } from './outbox.js';

export class Sender {
  /** The server's SETTINGS_INITIAL_WINDOW_SIZE and SETTINGS_MAX_FRAME_SIZE. */
  private initialWindow = DEFAULT_WINDOW;
  private maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** What the server still lets this side send on the connection. */
  private window = DEFAULT_WINDOW;
  /** Streams whose body waits for window. */
  private readonly blocked = new Set<Exchange>();

  constructor(private readonly out: Outbox) {}

  /** Opens stream `id` for the exchange: its header block, then as much of its body as the windows allow. */
  open(exchange: Exchange, id: number): void {
    exchange.id = id;
    exchange.sendWindow = this.initialWindow;
    const body = exchange.body;
    this.headers(id, exchange.block, body === undefined);
    if (body !== undefined) this.body(exchange);
  }

  /** A server setting that concerns sending; throws (a connection error) on a value out of range. */
  setting(id: number, value: number, open: Iterable<Exchange>): void {
    if (id === SETTING.maxFrameSize) {
      if (value < DEFAULT_MAX_FRAME_SIZE || value > 16_777_215)
        throw h2Error(H2_CODE.protocolError, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
      this.maxFrameSize = value;
    } else if (id === SETTING.initialWindowSize) {
      if (value > MAX_WINDOW)
        throw h2Error(H2_CODE.flowControlError, `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
      // A change applies to every open stream's window at once (RFC 9113 section 6.9.2).
      const delta = value - this.initialWindow;
      this.initialWindow = value;
      for (const exchange of open) exchange.sendWindow += delta;
      this.resume();
    }
  }

  /** WINDOW_UPDATE from the server, for the connection (`exchange` undefined) or one stream. */
  windowUpdate(exchange: Exchange | undefined, increment: number): void {
    if (exchange === undefined) {
      this.window += increment;
      if (this.window > MAX_WINDOW) throw h2Error(H2_CODE.flowControlError, 'connection window above 2^31-1');
    } else exchange.sendWindow += increment;
    this.resume();
  }

  /** The stream ended: nothing more of it is sent. */
  forget(exchange: Exchange): void {
    this.blocked.delete(exchange);
  }

  clear(): void {
    this.blocked.clear();
  }

  /** WINDOW_UPDATE from this side: `increment` bytes consumed on stream `id` (0: the connection). */
  credit(id: number, increment: number): void {
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(increment, 0);
    this.out.frame(FRAME.windowUpdate, 0, id, payload);
  }

  private resume(): void {
    for (const exchange of this.blocked) this.body(exchange);
  }

  private headers(id: number, block: Buffer, endStream: boolean): void {
    const max = this.maxFrameSize;
    const end = endStream ? FLAG.endStream : 0;
    if (block.length <= max) {
      this.out.frame(FRAME.headers, FLAG.endHeaders | end, id, block);
      return;
    }
    this.out.frame(FRAME.headers, end, id, block, 0, max);
    for (let at = max; at < block.length; at += max) {
      const stop = Math.min(block.length, at + max);
      this.out.frame(FRAME.continuation, stop === block.length ? FLAG.endHeaders : 0, id, block, at, stop);
    }
  }

  private body(exchange: Exchange): void {
    const body = exchange.body as Buffer;
    if (body.length === 0) {
      this.out.frame(FRAME.data, FLAG.endStream, exchange.id);
      return;
    }
    while (exchange.bodySent < body.length) {
      const room = Math.min(this.window, exchange.sendWindow, this.maxFrameSize);
      if (room <= 0) {
        this.blocked.add(exchange);
        return;
      }
      const from = exchange.bodySent;
      const stop = Math.min(body.length, from + room);
      this.out.frame(FRAME.data, stop === body.length ? FLAG.endStream : 0, exchange.id, body, from, stop);
      this.window -= stop - from;
      exchange.sendWindow -= stop - from;
      exchange.bodySent = stop;
    }
    this.blocked.delete(exchange);
  }
}
