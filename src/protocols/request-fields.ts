/**
 * Fields no request may carry, whatever its protocol: a CR or LF in a header would smuggle a line into an
 * HTTP/1.1 request, and HTTP/2 forbids CR, LF and NUL in any field (RFC 9113 section 8.2.1), which a server
 * or proxy that turns the request back into HTTP/1.1 would otherwise pass on. A path must hold no whitespace.
 */
import type { HttpRequest } from './http-types.js';

const WHITESPACE = /\s/;

/**
 * Why the request cannot be sent as it is, or undefined. Header pairs before `fromPair`, and the path when
 * `pathChecked`, were checked on an earlier send of the same step and are skipped.
 */
export function invalidFields(
  request: HttpRequest,
  fromPair: number,
  pathChecked: boolean,
): string | undefined {
  const headers = request.headers;
  for (let i = fromPair * 2; i < headers.length; i++) {
    const text = headers[i] as string;
    if (text.includes('\r') || text.includes('\n'))
      return `header ${JSON.stringify(text)} contains a line break`;
    if (text.includes('\0')) return `header ${JSON.stringify(text)} contains a NUL character`;
  }
  if (!pathChecked && WHITESPACE.test(request.path))
    return `path ${JSON.stringify(request.path)} contains whitespace`;
  return undefined;
}
