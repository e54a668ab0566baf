/**
 * Parses one HTTP/1.x response at a time from the bytes of a keep-alive connection; one parser per
 * connection, reset per request, so parsing allocates nothing but the header slices it is asked to keep.
 *
 * Only the headers that frame the message are interpreted (Content-Length, Transfer-Encoding, Connection).
 * Set-Cookie is always kept (the VU's cookie jar needs it); every other header only when captured.
 */
import { BodyCapture, DEFAULT_MAX_BODY_BYTES } from '../body-capture.js';
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
/** Larger than any sane response head (undici and Node cap theirs at 16-64 KiB); beyond it, stop reading. */
const MAX_HEAD_BYTES = 64 * 1024;

/** The last buffer scanned and a DataView on it: connections share one read buffer, so this rarely changes. */
let viewOf: Buffer | undefined;
let view: DataView | undefined;

/**
 * The position of the first CR in `buf[pos..end)`, or `end`. Four bytes at a time (a zero-byte test on the
 * word XOR 0x0d0d0d0d), then byte by byte: the head's values (Date, Server, Content-Type) are most of its
 * bytes, and this scans them in about a third of the time of a byte loop (measured on nginx's head).
 */
function findCR(buf: Buffer, pos: number, end: number): number {
  if (buf !== viewOf) {
    viewOf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const words = view as DataView;
  let p = pos;
  while (p + 4 <= end) {
    const x = words.getUint32(p, true) ^ 0x0d0d0d0d;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
    p += 4;
  }
  while (p < end && buf[p] !== CR) p++;
  return p;
}

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
  /** The kept part of the body (at most maxBodyBytes) when captured. */
  body: BodyCapture | undefined;
  keepAlive = true;
  /** Bytes of this response consumed so far, head and framing included. */
  bytes = 0;
  error: string | undefined;

  private phase = Phase.Head;
  private remaining = 0;
  private pendingHead: Buffer | undefined;
  private bodyless = false;
  private captureBody = false;
  private maxBodyBytes = 0;
  private captureHeaders = false;
  private contentLength = -1;
  private chunked = false;
  private readonly chunkedDecoder = new ChunkedDecoder();
  /** Reused for every captured body on this connection: one exchange at a time. */
  private readonly capture = new BodyCapture(DEFAULT_MAX_BODY_BYTES);

  /** Prepares for the response to the next request; HEAD responses never have a body. */
  start(
    isHeadRequest: boolean,
    captureBody: boolean,
    captureHeaders: boolean,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  ): void {
    this.status = 0;
    this.rawHeaders = undefined;
    this.body = undefined;
    this.maxBodyBytes = maxBodyBytes;
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
   * Consumes bytes of `buf[0..end)`; returns how many. Fewer than `end` only when the response ended (bytes
   * after it belong to no request) or on an error (see `error`).
   */
  feed(buf: Buffer, end = buf.length): number {
    let pos = 0;
    const kept = this.body ? this.body.chunks.length : 0;
    while (pos < end && this.phase !== Phase.Done && this.error === undefined) {
      switch (this.phase) {
        case Phase.Head:
          pos = this.feedHead(buf, pos, end);
          break;
        case Phase.FixedBody: {
          const take = Math.min(this.remaining, end - pos);
          const body = this.body;
          // The whole body in this read (it is turned into text before the next): no view object.
          if (body?.empty && take === this.remaining) body.keepWhole(buf, pos, pos + take);
          else body?.push(buf.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.phase = Phase.Done;
          break;
        }
        case Phase.ChunkedBody:
          pos = this.chunkedDecoder.decode(buf, pos, end, this.body);
          if (this.chunkedDecoder.error) this.error = this.chunkedDecoder.error;
          else if (this.chunkedDecoder.done) this.phase = Phase.Done;
          break;
        case Phase.BodyUntilClose:
          this.body?.push(buf.subarray(pos, end));
          pos = end;
          break;
      }
    }
    this.bytes += pos;
    // The socket reads into one shared buffer (see connection.ts): body slices that must outlive this call
    // are copied. A response that completed here is turned into text by the caller before the next read.
    const chunks = this.body?.chunks;
    if (chunks && this.phase !== Phase.Done) {
      for (let i = kept; i < chunks.length; i++) chunks[i] = Buffer.from(chunks[i] as Buffer);
    }
    return pos;
  }

  /** The peer closed the connection: a body delimited by the close is now complete. */
  endOfStream(): boolean {
    if (this.phase === Phase.BodyUntilClose) this.phase = Phase.Done;
    return this.phase === Phase.Done;
  }

  /** The captured body (its first maxBodyBytes) as text (UTF-8), or undefined when not captured. */
  bodyText(): string | undefined {
    return this.body?.text();
  }

  /** The body was read: drop what the reused capture holds, so an idle connection keeps no body alive. */
  releaseBody(): void {
    this.body?.reset(this.maxBodyBytes);
  }

  /** Returns the position after the head, or `end` while the head is still incomplete. */
  private feedHead(buf: Buffer, pos: number, end: number): number {
    let data = buf;
    let base = pos;
    let dataEnd = end;
    const pending = this.pendingHead;
    if (pending) {
      data = Buffer.concat([pending, buf.subarray(pos, end)]);
      base = 0;
      dataEnd = data.length;
    }
    const headEnd = this.parseHead(data, base, dataEnd);
    if (headEnd < 0) {
      if (dataEnd - base > MAX_HEAD_BYTES) this.error = `response head larger than ${MAX_HEAD_BYTES} bytes`;
      // A copy: the read buffer is reused for the next read.
      else this.pendingHead = Buffer.from(data.subarray(base, dataEnd));
      return end;
    }
    this.pendingHead = undefined;
    if (this.error !== undefined) return pos;
    // Positions in `data` map back to `buf` by the length of what was pending.
    return pending ? headEnd - pending.length + pos : headEnd;
  }

  /**
   * Parses the head starting at `start` in one pass (no search for the blank line first). Returns the
   * position after it, or -1 when it is not all there yet: it is then parsed again, whole, when more arrives.
   */
  private parseHead(buf: Buffer, start: number, end: number): number {
    const lineEnd = findCR(buf, start, end);
    if (lineEnd + 1 >= end) return -1;
    // "HTTP/1.x SSS" then a space or the end of the line.
    if (
      lineEnd - start < 12 ||
      !isName(buf, start, 7, 'http/1.') ||
      buf[start + 8] !== 0x20 ||
      (buf[start + 12] !== 0x20 && buf[start + 12] !== CR) ||
      buf[lineEnd + 1] !== LF
    ) {
      return this.malformed('status line', buf, start, lineEnd);
    }
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const d = (buf[i] as number) - 0x30;
      if (d < 0 || d > 9) return this.malformed('status code', buf, start + 9, start + 12);
      status = status * 10 + d;
    }
    this.status = status;
    this.keepAlive = buf[start + 7] === 0x31; // HTTP/1.1 defaults to keep-alive, 1.0 to close
    this.contentLength = -1;
    this.chunked = false;
    this.rawHeaders = undefined;
    let pos = lineEnd + 2;
    for (;;) {
      if (pos + 1 >= end) return -1;
      if (buf[pos] === CR) {
        if (buf[pos + 1] !== LF) return this.malformed('end of head', buf, pos, pos + 2);
        this.afterHead();
        return pos + 2;
      }
      pos = this.parseHeaderLine(buf, pos, end);
      if (pos < 0) return -1;
      if (this.error !== undefined) return pos;
    }
  }

  /** Parses the header line at `pos`; returns the start of the next one, or -1 if the line is incomplete. */
  private parseHeaderLine(buf: Buffer, pos: number, end: number): number {
    // The name ends at the first colon; the value, usually the longer part, is only searched for CR.
    let colon = pos;
    while (colon < end && buf[colon] !== 0x3a && buf[colon] !== CR) colon++;
    const lineEnd = findCR(buf, colon, end);
    if (lineEnd + 1 >= end) return -1;
    if (colon === pos || colon === lineEnd || buf[lineEnd + 1] !== LF) {
      return this.malformed('header line', buf, pos, lineEnd);
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
      else if (isName(buf, pos, nameLength, 'connection')) this.readConnection(buf, valueStart, valueEnd);
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
      // Copies: the read buffer is reused for the next read, and headers are read after the response.
      this.rawHeaders.push(
        Buffer.from(buf.subarray(pos, colon)),
        Buffer.from(buf.subarray(valueStart, valueEnd)),
      );
    }
    return lineEnd + 2;
  }

  private readConnection(buf: Buffer, start: number, end: number): void {
    // The usual whole values are compared in place; lists ("keep-alive, Upgrade") fall back to a string.
    if (isName(buf, start, end - start, 'keep-alive')) this.keepAlive = true;
    else if (isName(buf, start, end - start, 'close') || hasToken(buf, start, end, 'close'))
      this.keepAlive = false;
    else if (hasToken(buf, start, end, 'keep-alive')) this.keepAlive = true;
  }

  /** Records a malformed-head error; returns the position to stop at. */
  private malformed(what: string, buf: Buffer, start: number, end: number): number {
    const text = buf.toString('latin1', start, Math.min(end, start + 60));
    this.error = `malformed ${what} ${JSON.stringify(text)}`;
    return end;
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
    this.body = this.captureBody ? this.capture.reset(this.maxBodyBytes) : undefined;
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
