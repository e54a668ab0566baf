/**
 * Decodes a `Transfer-Encoding: chunked` body incrementally: any byte may arrive in its own TCP packet, so
 * the decoder is a byte-level state machine that resumes wherever the previous packet ended.
 */

enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  EndLf,
  Done,
}

const CR = 0x0d;
const LF = 0x0a;
/** 13 hex digits stay below 2^52, so a chunk size is always an exact double. */
const MAX_SIZE_DIGITS = 13;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedDecoder {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  /** Set when the body is malformed; the connection cannot be reused after that. */
  error: string | undefined;

  get done(): boolean {
    return this.state === State.Done;
  }

  reset(): void {
    this.state = State.Size;
    this.size = 0;
    this.digits = 0;
    this.error = undefined;
  }

  /**
   * Consumes bytes from `buf[pos..end)`, pushing decoded data slices to `sink` when given. Returns where it
   * stopped: `end`, or just past the final CRLF when the body is complete, or where an error was found.
   */
  decode(buf: Buffer, pos: number, end: number, sink: { push(chunk: Buffer): unknown } | undefined): number {
    while (pos < end) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.size, end - pos);
          if (sink) sink.push(buf.subarray(pos, pos + take));
          pos += take;
          this.size -= take;
          if (this.size === 0) this.state = State.DataCr;
          continue;
        }
        case State.Size: {
          const byte = buf[pos] as number;
          const digit = hexValue(byte);
          if (digit >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail(pos, 'chunk size too large');
            this.size = this.size * 16 + digit;
          } else if (this.digits === 0) {
            return this.fail(pos, 'chunk size is not hexadecimal');
          } else if (byte === CR) this.state = State.SizeLf;
          else if (byte === 0x3b || byte === 0x20 || byte === 0x09) this.state = State.Extension;
          else return this.fail(pos, 'chunk size is not hexadecimal');
          break;
        }
        case State.Extension:
          if (buf[pos] === CR) this.state = State.SizeLf;
          break;
        case State.SizeLf:
          if (buf[pos] !== LF) return this.fail(pos, 'chunk size line does not end in CRLF');
          this.state = this.size === 0 ? State.TrailerStart : State.Data;
          break;
        case State.DataCr:
          if (buf[pos] !== CR) return this.fail(pos, 'chunk data is longer than its size');
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (buf[pos] !== LF) return this.fail(pos, 'chunk data does not end in CRLF');
          this.state = State.Size;
          this.size = 0;
          this.digits = 0;
          break;
        case State.TrailerStart:
          this.state = buf[pos] === CR ? State.EndLf : State.Trailer;
          break;
        case State.Trailer:
          if (buf[pos] === CR) this.state = State.TrailerLf;
          break;
        case State.TrailerLf:
          if (buf[pos] !== LF) return this.fail(pos, 'trailer line does not end in CRLF');
          this.state = State.TrailerStart;
          break;
        case State.EndLf:
          if (buf[pos] !== LF) return this.fail(pos, 'chunked body does not end in CRLF');
          this.state = State.Done;
          return pos + 1;
        case State.Done:
          return pos;
      }
      pos++;
    }
    return pos;
  }

  private fail(pos: number, message: string): number {
    this.error = message;
    return pos;
  }
}
