/**
 * Serializes an HTTP/1.1 request into the exact bytes to write. A request whose every part is static (the
 * same HttpRequest object sent again) is serialized once and its Buffer reused: the common single-GET step
 * then costs one socket write and no string building.
 */
import type { HttpRequest } from '../http-types.js';

/** Methods that carry a body by convention: they always get a Content-Length, even `0`, as undici sends. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Framing headers are ours to write: the byte count is known exactly, and a stale one would desync. */
function isFramingHeader(lowerName: string): boolean {
  return lowerName === 'content-length' || lowerName === 'transfer-encoding';
}

/** The request bytes, ready for one `socket.write`. */
export function serializeRequest(request: HttpRequest, hostHeader: string): Buffer {
  const headers = request.headers;
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    const lower = name.length === 4 || name.length >= 14 ? name.toLowerCase() : '';
    if (lower === 'host') hasHost = true;
    else if (isFramingHeader(lower)) continue;
    head += `${name}: ${headers[i + 1]}\r\n`;
  }
  if (!hasHost) head = `${head}host: ${hostHeader}\r\n`;
  const body = request.body;
  if (body === undefined) {
    if (BODY_METHODS.has(request.method)) head += 'content-length: 0\r\n';
    return Buffer.from(`${head}\r\n`, 'latin1');
  }
  const bodyBytes = Buffer.byteLength(body);
  head += `content-length: ${bodyBytes}\r\n\r\n`;
  const out = Buffer.allocUnsafe(head.length + bodyBytes);
  out.write(head, 0, 'latin1');
  out.write(body, head.length, 'utf8');
  return out;
}

/** Header names and values must not smuggle a line break into the request. */
export function invalidHeader(request: HttpRequest): string | undefined {
  const headers = request.headers;
  for (let i = 0; i < headers.length; i++) {
    const text = headers[i] as string;
    if (text.includes('\r') || text.includes('\n'))
      return `header ${JSON.stringify(text)} contains a line break`;
  }
  if (/[\s]/.test(request.path)) return `path ${JSON.stringify(request.path)} contains whitespace`;
  return undefined;
}
