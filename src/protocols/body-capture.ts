/**
 * Keeps at most `limit` bytes of a response body for checks and extraction; the rest is only counted by the
 * caller. A response is never turned into one unbounded string: a 600 MB body costs `limit` bytes of memory,
 * not a crash (V8 strings stop at about 512 MiB). Shared by the HTTP/1.1 parser and the undici handler.
 */

/** The default of spec.target.maxBodyBytes: plenty for API answers that checks read, small per VU. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Node's Buffer has this method (untyped in @types/node). */
type Utf8Sliceable = Buffer & { utf8Slice(start: number, end: number): string };

export class BodyCapture {
  /** The kept slices, in order. They may point into a reused read buffer until the caller copies them. */
  readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  /** True when bytes were dropped: the kept text is a prefix of the body. */
  truncated = false;
  /** A body kept whole as a range of a read buffer (keepWhole), instead of chunks. */
  private whole: Buffer | undefined;
  private wholeStart = 0;
  private wholeEnd = 0;

  constructor(private limit: number) {}

  /** Empties the capture for the next body, so a connection's parser keeps one for all its responses. */
  reset(limit: number): this {
    if (this.chunks.length > 0) this.chunks.length = 0;
    this.keptBytes = 0;
    this.truncated = false;
    this.whole = undefined;
    this.limit = limit;
    return this;
  }

  /**
   * Keeps `buf[start, end)`, the whole body, as a range rather than a view object: the body that arrives in
   * one read, the common case. Valid only until `buf` is reused, so text() must be read before then.
   */
  keepWhole(buf: Buffer, start: number, end: number): void {
    if (end - start > this.limit) {
      this.truncated = true;
      end = start + this.limit;
    }
    this.whole = buf;
    this.wholeStart = start;
    this.wholeEnd = end;
    this.keptBytes = end - start;
  }

  /** Nothing kept yet. */
  get empty(): boolean {
    return this.keptBytes === 0 && this.whole === undefined && !this.truncated;
  }

  push(chunk: Buffer): void {
    const room = this.limit - this.keptBytes;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.keptBytes += room;
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.keptBytes += chunk.length;
  }

  /** The kept bytes as UTF-8 text. */
  text(): string {
    // utf8Slice is what toString('utf8', start, end) calls after checking its arguments, which are ours and
    // in range here (undici reads bodies the same way): a tenth of a µs less per body.
    if (this.whole !== undefined)
      return (this.whole as Utf8Sliceable).utf8Slice(this.wholeStart, this.wholeEnd);
    const chunks = this.chunks;
    if (chunks.length === 1) return (chunks[0] as Buffer).toString('utf8');
    return Buffer.concat(chunks, this.keptBytes).toString('utf8');
  }
}
