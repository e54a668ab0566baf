/**
 * HPACK encoding of request headers, kept small on purpose: static-table indexed fields where name and value
 * match, otherwise literals without indexing (with a static-table name where there is one) and plain strings.
 * Without a dynamic table the encoder has no connection state, so a block can be built once and sent on any
 * connection: the client caches a static request's whole block, and a step's static header pairs.
 */
import { STATIC_NAME_INDEX, STATIC_TABLE } from './hpack-static.js';

/** A growable byte buffer; blocks of a request are a few hundred bytes. */
export class BlockWriter {
  private buf = Buffer.allocUnsafe(512);
  length = 0;

  byte(value: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = value;
  }

  bytes(value: Buffer): void {
    if (this.length + value.length > this.buf.length) this.grow(value.length);
    value.copy(this.buf, this.length);
    this.length += value.length;
  }

  /** Everything `other` holds, which is then emptied. */
  append(other: BlockWriter): void {
    const n = other.length;
    if (this.length + n > this.buf.length) this.grow(n);
    other.buf.copy(this.buf, this.length, 0, n);
    this.length += n;
    other.length = 0;
  }

  latin1(text: string): void {
    if (this.length + text.length > this.buf.length) this.grow(text.length);
    this.length += this.buf.write(text, this.length, 'latin1');
  }

  /** A copy of what was written: the writer is reused. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + need));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

/** Static entries with a value, by "name\0value": these fields go out as one indexed byte. */
const STATIC_EXACT: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  STATIC_TABLE.forEach(([name, value], i) => {
    if (value !== '') map.set(`${name}\0${value}`, i + 1);
  });
  return map;
})();

/** Names that have such entries (:method, :path, :scheme, :status, accept-encoding): only these look up. */
const EXACT_NAMES: ReadonlySet<string> = new Set(STATIC_TABLE.filter(([, v]) => v !== '').map(([n]) => n));

/** An integer with an N-bit prefix whose other bits are `flags` (RFC 7541 section 5.1). */
export function writeInteger(w: BlockWriter, value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    w.byte(flags | value);
    return;
  }
  w.byte(flags | max);
  let rest = value - max;
  while (rest >= 0x80) {
    w.byte((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  w.byte(rest);
}

/** A plain (not Huffman-coded) string literal; header text is octets, written as latin1. */
function writeString(w: BlockWriter, text: string): void {
  writeInteger(w, text.length, 7, 0);
  w.latin1(text);
}

/** One field; `name` must already be lower case (RFC 9113 section 8.2.1). */
export function writeField(w: BlockWriter, name: string, value: string): void {
  const exact = EXACT_NAMES.has(name) ? STATIC_EXACT.get(`${name}\0${value}`) : undefined;
  if (exact !== undefined) {
    w.byte(0x80 | exact);
    return;
  }
  const nameIndex = STATIC_NAME_INDEX.get(name);
  if (nameIndex !== undefined) writeInteger(w, nameIndex, 4, 0);
  else {
    w.byte(0);
    writeString(w, name);
  }
  writeString(w, value);
}
