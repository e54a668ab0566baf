/**
 * Serializes an HTTP/1.1 request into the exact bytes to write. A request whose every part is static (the
 * same HttpRequest object sent again) is serialized once and its Buffer reused: the common single-GET step
 * then costs one socket write and no string building.
 */
import type { HttpRequest } from '../http-types.js';
import { invalidFields } from '../request-fields.js';

/** Methods that carry a body by convention: they always get a Content-Length, even `0`, as undici sends. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Framing headers are ours to write: the byte count is known exactly, and a stale one would desync. */
function isFramingHeader(lowerName: string): boolean {
  return lowerName === 'content-length' || lowerName === 'transfer-encoding';
}

/** Appends header lines from pair `fromPair` on, leaving out framing headers; notes a Host header. */
function headerLines(headers: string[], fromPair: number, toPair: number, out: { hasHost: boolean }): string {
  let text = '';
  for (let i = fromPair * 2; i + 1 < toPair * 2; i += 2) {
    const name = headers[i] as string;
    const lower = name.length === 4 || name.length >= 14 ? name.toLowerCase() : '';
    if (lower === 'host') out.hasHost = true;
    else if (isFramingHeader(lower)) continue;
    text += `${name}: ${headers[i + 1]}\r\n`;
  }
  return text;
}

const requestLine = (request: HttpRequest) => `${request.method} ${request.path} HTTP/1.1\r\n`;

/** The request head up to the framing headers; with a step's head cache, only the varying parts are built. */
function headText(request: HttpRequest, hostHeader: string): string {
  const headers = request.headers;
  const pairs = headers.length >> 1;
  const cache = request.head;
  if (cache === undefined) {
    const host = { hasHost: false };
    const head = requestLine(request) + headerLines(headers, 0, pairs, host);
    return host.hasHost ? head : `${head}host: ${hostHeader}\r\n`;
  }
  if (cache.text === undefined) {
    // Header names are static even when values vary, so whether the step sets Host is known once.
    const host = { hasHost: false };
    const staticText = headerLines(headers, 0, cache.staticPairs, host);
    headerLines(headers, cache.staticPairs, pairs, host);
    cache.hostLine = host.hasHost ? '' : `host: ${hostHeader}\r\n`;
    cache.text = cache.staticLine ? requestLine(request) + staticText : staticText;
  }
  const line = cache.staticLine ? '' : requestLine(request);
  return (
    line + cache.text + headerLines(headers, cache.staticPairs, pairs, { hasHost: false }) + cache.hostLine
  );
}

/**
 * The request bytes, ready for one `socket.write`. A request sent again (HttpRequest.resent) keeps its bytes
 * for long, so they get memory of their own: a slice of Node's shared 8 KiB pool would keep the whole pool.
 */
export function serializeRequest(request: HttpRequest, hostHeader: string): Buffer {
  let head = headText(request, hostHeader);
  const body = request.body;
  const allocate = request.resent ? Buffer.allocUnsafeSlow : Buffer.allocUnsafe;
  if (body === undefined) {
    if (BODY_METHODS.has(request.method)) head += 'content-length: 0\r\n';
    head += '\r\n';
    if (!request.resent) return Buffer.from(head, 'latin1');
    const out = allocate(head.length);
    out.write(head, 0, 'latin1');
    return out;
  }
  const bodyBytes = Buffer.byteLength(body);
  head += `content-length: ${bodyBytes}\r\n\r\n`;
  const out = allocate(head.length + bodyBytes);
  out.write(head, 0, 'latin1');
  out.write(body, head.length, 'utf8');
  return out;
}

/**
 * Header names and values must not smuggle a line break into the request. With a step's head cache whose
 * text is filled in, the static parts were checked on first send and only the varying ones are checked.
 */
export function invalidHeader(request: HttpRequest): string | undefined {
  // Only a cache whose text is filled in was checked (on the step's first send).
  const checked = request.head?.text !== undefined ? request.head : undefined;
  return invalidFields(request, checked?.staticPairs ?? 0, checked?.staticLine ?? false);
}
