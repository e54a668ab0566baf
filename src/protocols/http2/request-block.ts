/**
 * The HPACK header block of a request: pseudo-headers first (RFC 9113 section 8.3.1), then the request's own
 * headers lower-cased, without the ones HTTP/2 forbids. A static request's block is built once and kept on the
 * request (`h2Block`), as the HTTP/1.1 client keeps its `wire` bytes; a step whose headers vary keeps its
 * static pairs' fields in the step's head cache and encodes only the varying pairs per request.
 */
import type { HttpRequest, RequestHeadCache } from '../http-types.js';
import { BlockWriter, writeField } from './hpack-encoder.js';

/** Headers HTTP/2 forbids or replaces with pseudo-headers (RFC 9113 section 8.2.2); Host is :authority. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Framing is HTTP/2's own; the client writes the exact content-length of a body itself. */
const CONTENT_LENGTH = 'content-length';

/** One writer for every block, one for its varying pairs: blocks are built synchronously and copied out. */
const writer = new BlockWriter();
const varying = new BlockWriter();

/** Writes pairs [from, to) of `headers`; returns the Host value met, if any. */
function writePairs(w: BlockWriter, headers: string[], from: number, to: number): string | undefined {
  let host: string | undefined;
  for (let i = from * 2; i + 1 < to * 2; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    const value = headers[i + 1] as string;
    if (name === 'host') host = value;
    else if (!DROPPED.has(name) && name !== CONTENT_LENGTH) writeField(w, name, value);
  }
  return host;
}

function writePseudo(w: BlockWriter, request: HttpRequest, scheme: string, authority: string): void {
  writeField(w, ':method', request.method);
  writeField(w, ':scheme', scheme);
  writeField(w, ':path', request.path);
  writeField(w, ':authority', authority);
}

/** The step's static pairs as fields, once per step. */
function staticFields(cache: RequestHeadCache, headers: string[]): { fields: Buffer; host: string } {
  if (cache.h2Static === undefined) {
    const w = new BlockWriter();
    cache.h2Host = writePairs(w, headers, 0, cache.staticPairs) ?? '';
    cache.h2Static = w.take();
  }
  return { fields: cache.h2Static, host: cache.h2Host as string };
}

/**
 * The request's header block. `defaultAuthority` is the origin's host[:port], used unless the request sets
 * Host. A request with a body gets its exact content-length.
 */
export function requestBlock(request: HttpRequest, scheme: string, defaultAuthority: string): Buffer {
  if (request.h2Block !== undefined) return request.h2Block;
  const headers = request.headers;
  const pairs = headers.length >> 1;
  const cache = request.head;
  const w = writer;
  // The varying pairs first into a separate block: a Host among them decides :authority.
  const dynamic = varying;
  if (cache === undefined) {
    const host = writePairs(dynamic, headers, 0, pairs);
    writePseudo(w, request, scheme, host ?? defaultAuthority);
  } else {
    const cached = staticFields(cache, headers);
    const host = writePairs(dynamic, headers, cache.staticPairs, pairs);
    if (host === undefined && cache.staticLine) {
      // Method, path and authority are the step's own: the pseudo-headers and static pairs are encoded once.
      if (cache.h2Prefix === undefined) {
        writePseudo(w, request, scheme, cached.host || defaultAuthority);
        w.bytes(cached.fields);
        cache.h2Prefix = w.take();
      }
      w.bytes(cache.h2Prefix);
    } else {
      writePseudo(w, request, scheme, host ?? (cached.host || defaultAuthority));
      w.bytes(cached.fields);
    }
  }
  w.append(dynamic);
  if (request.body !== undefined) writeField(w, CONTENT_LENGTH, String(Buffer.byteLength(request.body)));
  const block = w.take();
  request.h2Block = block;
  return block;
}
