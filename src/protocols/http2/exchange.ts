/**
 * One request/response exchange on an HTTP/2 stream: what the connection needs to send it, the response as it
 * arrives, and how it ends. The connection owns the stream state; this file owns the response assembly.
 */
// The module's own binding: the global `performance` is a lazy getter that costs a call on every use.
import { performance } from 'node:perf_hooks';
import { BodyCapture, DEFAULT_MAX_BODY_BYTES } from '../body-capture.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { FRAME_HEADER_BYTES } from './frames.js';

export type Resolve = (response: HttpResponse) => void;

export class Exchange {
  /** The stream id once sent; 0 while queued. */
  id = 0;
  /** Request body bytes, and how many have gone out (flow control may hold the rest back). */
  readonly body: Buffer | undefined;
  bodySent = 0;
  /** What the peer still lets this stream send, and what this side received but has not credited back. */
  sendWindow = 0;
  unacked = 0;
  /** Status of the final (non-1xx) response head, 0 until it arrived; trailers come after it. */
  status = 0;
  readonly capture: BodyCapture | undefined;
  readonly deadlineMs: number;

  constructor(
    readonly request: HttpRequest,
    /** The VU's lane: which of the origin's connections carries it. */
    readonly lane: number,
    readonly block: Buffer,
    readonly response: HttpResponse,
    private readonly resolve: Resolve,
  ) {
    this.body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    this.capture = request.captureBody
      ? new BodyCapture(request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      : undefined;
    this.deadlineMs = response.sentAtMs + request.timeoutMs;
    // The HEADERS frame and the body; a body's DATA frame headers are left out, as HTTP/1.1's chunking is.
    response.bytesOut += FRAME_HEADER_BYTES + block.length + (this.body?.length ?? 0);
  }

  /** True once sent again after a graceful GOAWAY left it unprocessed: a second time it fails. */
  resent = false;

  /** Back to unsent, for another connection: nothing of it was processed or received. */
  resend(): void {
    this.resent = true;
    this.id = 0;
    this.bodySent = 0;
    this.unacked = 0;
  }

  /** A response header field, as HPACK decodes it: the status, and raw pairs the caller asked for. */
  field(name: string, value: string): void {
    if (name.charCodeAt(0) === 0x3a) {
      if (name === ':status') this.status = Number(value);
      return;
    }
    if (!this.request.captureHeaders && name !== 'set-cookie') return;
    const response = this.response;
    response.rawHeaders ??= [];
    response.rawHeaders.push(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1'));
  }

  /** Body bytes; they may point into a shared read buffer, so what is kept is copied. */
  data(bytes: Buffer): void {
    const capture = this.capture;
    if (capture === undefined || bytes.length === 0) return;
    if (capture.truncated) {
      capture.push(bytes);
      return;
    }
    capture.push(Buffer.from(bytes));
  }

  finish(): void {
    const response = this.response;
    response.status = this.status;
    if (this.capture) {
      response.body = this.capture.text();
      response.bodyTruncated = this.capture.truncated;
    }
    response.doneAtMs = performance.now();
    this.resolve(response);
  }

  fail(error: Error): void {
    const response = this.response;
    response.error = error;
    response.doneAtMs = performance.now();
    this.resolve(response);
  }
}
