/**
 * Splits a byte stream into HTTP/2 frames (RFC 9113 section 4.1) and checks what can be checked per frame:
 * the size limit, the fixed payload sizes and which frames belong on stream 0. Frames that arrive whole are
 * handed over as views into the read buffer, without a copy; only a frame split across reads is assembled
 * in a buffer of its own. A view is valid only during the callback: whoever keeps payload bytes copies them.
 */
import { DEFAULT_MAX_FRAME_SIZE, FRAME, FRAME_HEADER_BYTES, H2_CODE } from './frames.js';

export type FrameCallback = (type: number, flags: number, streamId: number, payload: Buffer) => void;

/** A frame-level violation: the connection must end with GOAWAY carrying `code`. */
export interface FrameError {
  code: number;
  message: string;
}

/** Frames that only exist on stream 0, and frames that never do (RFC 9113 section 6). */
const CONNECTION_ONLY = new Set<number>([FRAME.settings, FRAME.ping, FRAME.goaway]);
const STREAM_ONLY = new Set<number>([
  FRAME.data,
  FRAME.headers,
  FRAME.priority,
  FRAME.rstStream,
  FRAME.continuation,
  FRAME.pushPromise,
]);

/** The problem with a frame header, or undefined when it is acceptable. */
export function checkFrameHeader(
  type: number,
  length: number,
  flags: number,
  streamId: number,
  maxFrameSize: number,
): FrameError | undefined {
  if (length > maxFrameSize)
    return { code: H2_CODE.frameSizeError, message: `frame of ${length} bytes above ${maxFrameSize}` };
  if (CONNECTION_ONLY.has(type) && streamId !== 0)
    return { code: H2_CODE.protocolError, message: `frame type ${type} on stream ${streamId}` };
  if (STREAM_ONLY.has(type) && streamId === 0)
    return { code: H2_CODE.protocolError, message: `frame type ${type} on stream 0` };
  const fixed = FIXED_LENGTH[type];
  if (fixed !== undefined && length !== fixed)
    return { code: H2_CODE.frameSizeError, message: `frame type ${type} of ${length} bytes` };
  if (type === FRAME.settings && (length % 6 !== 0 || ((flags & 1) === 1 && length !== 0)))
    return { code: H2_CODE.frameSizeError, message: `SETTINGS of ${length} bytes` };
  if (type === FRAME.goaway && length < 8)
    return { code: H2_CODE.frameSizeError, message: `GOAWAY of ${length} bytes` };
  return undefined;
}

const FIXED_LENGTH: Record<number, number> = {
  [FRAME.priority]: 5,
  [FRAME.rstStream]: 4,
  [FRAME.ping]: 8,
  [FRAME.windowUpdate]: 4,
};

export class FrameParser {
  /** Set on the first bad frame; nothing is parsed after it. */
  error: FrameError | undefined;
  /** SETTINGS_MAX_FRAME_SIZE as this side announced it. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  // A frame split across reads: its header bytes first, then the whole frame once the length is known.
  private readonly header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  private partial: Buffer | undefined;
  private filled = 0;

  constructor(private readonly onFrame: FrameCallback) {}

  /** Parses `chunk[start, end)`; frames go to the callback in order. */
  feed(chunk: Buffer, start: number, end: number): void {
    let pos = start;
    if (this.filled > 0) {
      pos = this.continuePartial(chunk, pos, end);
      if (pos < 0) return;
    }
    while (this.error === undefined && end - pos >= FRAME_HEADER_BYTES) {
      const length =
        (chunk[pos] as number) * 65536 + (chunk[pos + 1] as number) * 256 + (chunk[pos + 2] as number);
      const type = chunk[pos + 3] as number;
      const flags = chunk[pos + 4] as number;
      const streamId = chunk.readUInt32BE(pos + 5) & 0x7fffffff;
      if (!this.accept(type, length, flags, streamId)) return;
      const stop = pos + FRAME_HEADER_BYTES + length;
      if (stop > end) break;
      this.onFrame(type, flags, streamId, chunk.subarray(pos + FRAME_HEADER_BYTES, stop));
      pos = stop;
    }
    if (this.error === undefined && pos < end) this.keep(chunk, pos, end);
  }

  private accept(type: number, length: number, flags: number, streamId: number): boolean {
    this.error = checkFrameHeader(type, length, flags, streamId, this.maxFrameSize);
    return this.error === undefined;
  }

  /** Keeps the start of a frame that did not arrive whole. */
  private keep(chunk: Buffer, pos: number, end: number): void {
    const n = end - pos;
    if (n < FRAME_HEADER_BYTES) {
      chunk.copy(this.header, 0, pos, end);
      this.partial = undefined;
    } else {
      const length =
        (chunk[pos] as number) * 65536 + (chunk[pos + 1] as number) * 256 + (chunk[pos + 2] as number);
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
      chunk.copy(this.partial, 0, pos, end);
    }
    this.filled = n;
  }

  /** Adds bytes to the frame in progress; returns where the chunk's own frames start, or -1 if all used. */
  private continuePartial(chunk: Buffer, pos: number, end: number): number {
    if (this.partial === undefined) {
      const take = Math.min(FRAME_HEADER_BYTES - this.filled, end - pos);
      chunk.copy(this.header, this.filled, pos, pos + take);
      this.filled += take;
      pos += take;
      if (this.filled < FRAME_HEADER_BYTES) return -1;
      const h = this.header;
      const length = (h[0] as number) * 65536 + (h[1] as number) * 256 + (h[2] as number);
      if (!this.accept(h[3] as number, length, h[4] as number, h.readUInt32BE(5) & 0x7fffffff)) return -1;
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
      h.copy(this.partial, 0);
    }
    const frameBytes = this.partial.length;
    const take = Math.min(frameBytes - this.filled, end - pos);
    chunk.copy(this.partial, this.filled, pos, pos + take);
    this.filled += take;
    pos += take;
    if (this.filled < frameBytes) return -1;
    const f = this.partial;
    this.partial = undefined;
    this.filled = 0;
    this.onFrame(
      f[3] as number,
      f[4] as number,
      f.readUInt32BE(5) & 0x7fffffff,
      f.subarray(FRAME_HEADER_BYTES),
    );
    return this.error === undefined ? pos : -1;
  }
}
