/**
 * Parses one HTTP/1.x response at a time from the bytes of a keep-alive connection; one parser per
 * connection, reset per request, so parsing allocates nothing but the header slices it is asked to keep.
 *
 * Only the headers that frame the message are interpreted (Content-Length, Transfer-Encoding, Connection).
 * Set-Cookie is always kept (the VU's cookie jar needs it); every other header only when captured.
 */
import { ChunkedDecoder } from './chunked.js';

enum Phase {
  Head,
  FixedBody,
  ChunkedBody,
  BodyUntilClose,
  Done,
}

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Larger than any sane response head (undici and Node cap theirs at 16-64 KiB); beyond it, stop reading. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Case-insensitive match of `buf[start..start+lower.length)` against a lower-case ASCII name. */
function isName(buf: Buffer, start: number, length: number, lower: string): boolean {
  if (length !== lower.length) return false;
  // `| 0x20` folds A-Z onto a-z and leaves '-' (0x2d) alone: exact for header-name characters.
  for (let i = 0; i < length; i++)
    if (((buf[start + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Does `buf[start..end)` contain `lower` as a case-insensitive token (e.g. "close" in "Keep-Alive, close")? */
function hasToken(buf: Buffer, start: number, end: number, lower: string): boolean {
  return buf.toString('latin1', start, end).toLowerCase().includes(lower);
}

export class ResponseParser {
  status = 0;
  /** Flat name/value slices: Set-Cookie always, everything when capturing headers. */
  rawHeaders: Buffer[] | undefined;
  bodyChunks: Buffer[] | undefined;
  keepAlive = true;
  /** Bytes of this response consumed so far, head and framing included. */
  bytes = 0;
  error: string | undefined;

  private phase = Phase.Head;
  private remaining = 0;
  private pendingHead: Buffer | undefined;
  private bodyless = false;
  private captureBody = false;
  private captureHeaders = false;
  private contentLength = -1;
  private chunked = false;
  private readonly chunkedDecoder = new ChunkedDecoder();

  /** Prepares for the response to the next request; HEAD responses never have a body. */
  start(isHeadRequest: boolean, captureBody: boolean, captureHeaders: boolean): void {
    this.status = 0;
    this.rawHeaders = undefined;
    this.bodyChunks = undefined;
    this.keepAlive = true;
    this.bytes = 0;
    this.error = undefined;
    this.phase = Phase.Head;
    this.pendingHead = undefined;
    this.bodyless = isHeadRequest;
    this.captureBody = captureBody;
    this.captureHeaders = captureHeaders;
  }

  get done(): boolean {
    return this.phase === Phase.Done;
  }

  /** Waiting for the head (so a timeout now is a headers timeout, not a body one). */
  get inHead(): boolean {
    return this.phase === Phase.Head;
  }

  /**
   * Consumes bytes of `buf`; returns how many. Fewer than `buf.length` only when the response ended (bytes
   * after it belong to no request) or on an error (see `error`).
   */
  feed(buf: Buffer): number {
    let pos = 0;
    const end = buf.length;
    while (pos < end && this.phase !== Phase.Done && this.error === undefined) {
      switch (this.phase) {
        case Phase.Head:
          pos = this.feedHead(buf, pos);
          break;
        case Phase.FixedBody: {
          const take = Math.min(this.remaining, end - pos);
          if (this.bodyChunks) this.bodyChunks.push(buf.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.phase = Phase.Done;
          break;
        }
        case Phase.ChunkedBody:
          pos = this.chunkedDecoder.decode(buf, pos, end, this.bodyChunks);
          if (this.chunkedDecoder.error) this.error = this.chunkedDecoder.error;
          else if (this.chunkedDecoder.done) this.phase = Phase.Done;
          break;
        case Phase.BodyUntilClose:
          if (this.bodyChunks) this.bodyChunks.push(buf.subarray(pos));
          pos = end;
          break;
      }
    }
    this.bytes += pos;
    return pos;
  }

  /** The peer closed the connection: a body delimited by the close is now complete. */
  endOfStream(): boolean {
    if (this.phase === Phase.BodyUntilClose) this.phase = Phase.Done;
    return this.phase === Phase.Done;
  }

  /** The captured body as text (UTF-8), or undefined when not captured. */
  bodyText(): string | undefined {
    const chunks = this.bodyChunks;
    if (!chunks) return undefined;
    if (chunks.length === 1) return (chunks[0] as Buffer).toString('utf8');
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Returns the position after the head, or `buf.length` while the head is still incomplete. */
  private feedHead(buf: Buffer, pos: number): number {
    let data = buf;
    let base = pos;
    const pending = this.pendingHead;
    if (pending) {
      data = Buffer.concat([pending, buf.subarray(pos)]);
      base = 0;
    }
    const at = data.indexOf(HEAD_END, base);
    if (at < 0) {
      if (data.length - base > MAX_HEAD_BYTES)
        this.error = `response head larger than ${MAX_HEAD_BYTES} bytes`;
      // Copy: a slice would keep the socket's whole read buffer alive, and heads rarely split.
      else this.pendingHead = Buffer.from(data.subarray(base));
      return buf.length;
    }
    this.pendingHead = undefined;
    const headEnd = at + 4;
    this.parseHead(data, base, at + 2);
    // Positions in `data` map back to `buf` by the length of what was pending.
    return headEnd - (pending ? pending.length - pos : 0);
  }

  private parseHead(buf: Buffer, start: number, end: number): void {
    // "HTTP/1.x SSS" then a space or the end of the line.
    if (
      end - start < 14 ||
      !isName(buf, start, 7, 'http/1.') ||
      buf[start + 8] !== 0x20 ||
      (buf[start + 12] !== 0x20 && buf[start + 12] !== CR)
    ) {
      this.error = `malformed status line ${JSON.stringify(buf.toString('latin1', start, Math.min(end, start + 40)))}`;
      return;
    }
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const d = (buf[i] as number) - 0x30;
      if (d < 0 || d > 9) {
        this.error = `malformed status code ${JSON.stringify(buf.toString('latin1', start + 9, start + 12))}`;
        return;
      }
      status = status * 10 + d;
    }
    this.status = status;
    this.keepAlive = buf[start + 7] === 0x31; // HTTP/1.1 defaults to keep-alive, 1.0 to close
    this.contentLength = -1;
    this.chunked = false;
    let pos = buf.indexOf(LF, start) + 1;
    while (pos < end && this.error === undefined) pos = this.parseHeaderLine(buf, pos, end);
    if (this.error !== undefined) return;
    this.afterHead();
  }

  /** Parses the header line at `pos`; returns the start of the next one. */
  private parseHeaderLine(buf: Buffer, pos: number, end: number): number {
    let colon = pos;
    while (colon < end && buf[colon] !== 0x3a && buf[colon] !== CR) colon++;
    let lineEnd = colon;
    while (lineEnd < end && buf[lineEnd] !== CR) lineEnd++;
    if (colon === pos || buf[colon] !== 0x3a || buf[lineEnd + 1] !== LF) {
      this.error = `malformed header line ${JSON.stringify(buf.toString('latin1', pos, Math.min(lineEnd, pos + 60)))}`;
      return end;
    }
    let valueStart = colon + 1;
    while (valueStart < lineEnd && (buf[valueStart] === 0x20 || buf[valueStart] === 0x09)) valueStart++;
    let valueEnd = lineEnd;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === 0x20 || buf[valueEnd - 1] === 0x09)) valueEnd--;
    const nameLength = colon - pos;
    const first = (buf[pos] as number) | 0x20;
    let keep = this.captureHeaders;
    if (first === 0x63 /* c */) {
      if (isName(buf, pos, nameLength, 'content-length')) this.readContentLength(buf, valueStart, valueEnd);
      else if (isName(buf, pos, nameLength, 'connection')) {
        if (hasToken(buf, valueStart, valueEnd, 'close')) this.keepAlive = false;
        else if (hasToken(buf, valueStart, valueEnd, 'keep-alive')) this.keepAlive = true;
      }
    } else if (first === 0x74 /* t */) {
      if (isName(buf, pos, nameLength, 'transfer-encoding')) {
        // Only a final "chunked" frames the body; any other coding is read until the connection closes.
        const value = buf.toString('latin1', valueStart, valueEnd).toLowerCase();
        this.chunked = value.endsWith('chunked');
        if (!this.chunked) this.keepAlive = false;
      }
    } else if (first === 0x73 /* s */ && isName(buf, pos, nameLength, 'set-cookie')) keep = true;
    if (keep) {
      this.rawHeaders ??= [];
      this.rawHeaders.push(buf.subarray(pos, colon), buf.subarray(valueStart, valueEnd));
    }
    return lineEnd + 2;
  }

  private readContentLength(buf: Buffer, start: number, end: number): void {
    let n = 0;
    for (let i = start; i < end; i++) {
      const d = (buf[i] as number) - 0x30;
      if (d < 0 || d > 9 || n > Number.MAX_SAFE_INTEGER / 10) {
        this.error = `malformed content-length ${JSON.stringify(buf.toString('latin1', start, end))}`;
        return;
      }
      n = n * 10 + d;
    }
    if (start === end || (this.contentLength >= 0 && this.contentLength !== n)) {
      this.error = `malformed content-length ${JSON.stringify(buf.toString('latin1', start, end))}`;
      return;
    }
    this.contentLength = n;
  }

  /** Decides how the body is framed (RFC 9112 section 6.3). */
  private afterHead(): void {
    const status = this.status;
    if (status < 200) {
      if (status === 101) {
        this.error = 'HTTP 101 (protocol upgrade) is not supported by the HTTP/1.1 client';
        return;
      }
      // An interim response (100 Continue, 103 Early Hints): the final one follows on the same connection.
      this.rawHeaders = undefined;
      this.phase = Phase.Head;
      return;
    }
    this.bodyChunks = this.captureBody ? [] : undefined;
    if (this.bodyless || status === 204 || status === 304) this.phase = Phase.Done;
    else if (this.chunked) {
      // Both framings present is a smuggling pattern; read it as chunked but never reuse the connection.
      if (this.contentLength >= 0) this.keepAlive = false;
      this.chunkedDecoder.reset();
      this.phase = Phase.ChunkedBody;
    } else if (this.contentLength >= 0) {
      this.remaining = this.contentLength;
      this.phase = this.remaining === 0 ? Phase.Done : Phase.FixedBody;
    } else {
      this.keepAlive = false;
      this.phase = Phase.BodyUntilClose;
    }
  }
}
