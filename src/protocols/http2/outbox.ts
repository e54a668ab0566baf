/**
 * Batches a connection's outgoing frames: frames written in one tick (every request the VUs send after one
 * read, their WINDOW_UPDATEs and acks) go out as one socket write on the next tick, not one write each.
 */
import type { Socket } from 'node:net';
import { FRAME_HEADER_BYTES, writeFrameHeader } from './frames.js';

/** Room for a few hundred small frames; a larger write goes out in more than one piece. */
const BATCH_BYTES = 16 * 1024;

export class Outbox {
  private buf = Buffer.allocUnsafe(BATCH_BYTES);
  private length = 0;
  private scheduled = false;
  private readonly flushNow = () => this.flush();

  constructor(private readonly socket: Socket) {}

  /** A frame header followed by `payload[start, end)`. */
  frame(
    type: number,
    flags: number,
    streamId: number,
    payload?: Buffer,
    start = 0,
    end = payload?.length ?? 0,
  ): void {
    const size = FRAME_HEADER_BYTES + end - start;
    if (this.length + size > this.buf.length) {
      this.flush();
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
    }
    writeFrameHeader(this.buf, this.length, end - start, type, flags, streamId);
    payload?.copy(this.buf, this.length + FRAME_HEADER_BYTES, start, end);
    this.length += size;
    this.schedule();
  }

  /** Bytes already framed (the preface, prebuilt frames). */
  raw(bytes: Buffer): void {
    if (this.length + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      this.socket.write(bytes);
      return;
    }
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // nextTick runs after the current promise jobs drain, so every VU that a read woke up has sent by then.
    process.nextTick(this.flushNow);
  }

  flush(): void {
    this.scheduled = false;
    if (this.length === 0) return;
    // The socket may hold the bytes after write() returns, and this buffer is reused: write a copy.
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    this.length = 0;
    if (!this.socket.destroyed) this.socket.write(out);
  }
}
