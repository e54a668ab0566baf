/**
 * Response header blocks: HEADERS (with PADDED and PRIORITY flags) and the CONTINUATION frames that finish a
 * long block, decoded with the connection's one HPACK decoder. Every block is decoded, even one for a stream
 * the client already gave up on, because the dynamic table is shared by the whole connection.
 */
import { h2Error } from './errors.js';
import type { Exchange } from './exchange.js';
import { FLAG, FRAME_HEADER_BYTES, H2_CODE } from './frames.js';
import { HpackDecoder } from './hpack-decoder.js';

/** What the connection does with a complete block. */
export interface HeaderSink {
  /** `trailers`: the block came after the final response head. */
  headersDone(exchange: Exchange, endStream: boolean, trailers: boolean): void;
}

/** A header block larger than this is refused (nothing a load test reads is this large). */
const MAX_BLOCK_BYTES = 1024 * 1024;

export class HeaderBlocks {
  /** The stream whose block awaits CONTINUATION frames, or 0. */
  expecting = 0;
  private readonly decoder = new HpackDecoder();
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private frames = 0;
  private pending: Exchange | undefined;
  private pendingEnd = false;
  private current: Exchange | undefined;
  private readonly onField = (name: string, value: string) => this.current?.field(name, value);

  constructor(private readonly sink: HeaderSink) {}

  headers(flags: number, id: number, payload: Buffer, exchange: Exchange | undefined): void {
    let start = 0;
    let end = payload.length;
    if (flags & FLAG.padded) {
      start = 1;
      end -= payload.length > 0 ? (payload[0] as number) : 0;
    }
    if (flags & FLAG.priority) start += 5;
    if (start > end) throw h2Error(H2_CODE.protocolError, 'HEADERS padding beyond the frame');
    const endStream = (flags & FLAG.endStream) !== 0;
    if (flags & FLAG.endHeaders) {
      this.complete(exchange, payload, start, end, endStream, 1);
      return;
    }
    this.expecting = id;
    this.pending = exchange;
    this.pendingEnd = endStream;
    this.fragments = [Buffer.from(payload.subarray(start, end))];
    this.fragmentBytes = end - start;
    this.frames = 1;
  }

  continuation(flags: number, id: number, payload: Buffer): void {
    if (this.expecting === 0 || id !== this.expecting)
      throw h2Error(H2_CODE.protocolError, `CONTINUATION on stream ${id} without HEADERS`);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > MAX_BLOCK_BYTES)
      throw h2Error(H2_CODE.protocolError, `header block above ${MAX_BLOCK_BYTES} bytes`);
    this.fragments.push(Buffer.from(payload));
    this.frames++;
    if ((flags & FLAG.endHeaders) === 0) return;
    const block = Buffer.concat(this.fragments, this.fragmentBytes);
    const exchange = this.pending;
    this.expecting = 0;
    this.pending = undefined;
    this.fragments = [];
    this.complete(exchange, block, 0, block.length, this.pendingEnd, this.frames);
  }

  private complete(
    exchange: Exchange | undefined,
    block: Buffer,
    start: number,
    end: number,
    endStream: boolean,
    frames: number,
  ): void {
    const statusBefore = exchange?.status ?? 0;
    this.current = exchange;
    try {
      this.decoder.decode(block, start, end, this.onField);
    } catch (error) {
      throw h2Error(H2_CODE.compressionError, (error as Error).message);
    } finally {
      this.current = undefined;
    }
    if (exchange === undefined) return;
    exchange.response.bytesIn += end - start + frames * FRAME_HEADER_BYTES;
    const trailers = statusBefore >= 200;
    // Trailers carry no :status; a stray one must not replace the response's.
    if (trailers) exchange.status = statusBefore;
    this.sink.headersDone(exchange, endStream, trailers);
  }
}
