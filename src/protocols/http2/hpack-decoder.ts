/**
 * HPACK decoding (RFC 7541): indexed fields, literals with and without indexing, dynamic table size updates,
 * integers with any prefix, plain and Huffman-coded strings. Header names and values are octets, kept as
 * latin1 strings, so an entry's size is `name.length + value.length + 32` exactly as the RFC counts it.
 *
 * One decoder per connection: the dynamic table is connection state, so every header block must go through it
 * in order, even one for a stream the client no longer wants.
 */
import { STATIC_TABLE } from './hpack-static.js';
import { huffmanDecode } from './huffman.js';

/** Receives each decoded field of a block, in order. */
export type FieldSink = (name: string, value: string) => void;

/** RFC 7541 section 4.1: each entry costs its octets plus this much. */
const ENTRY_OVERHEAD = 32;

const STATIC_COUNT = STATIC_TABLE.length;

export class HpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpackError';
  }
}

export class HpackDecoder {
  /** Newest entry last, so a new entry is a push and an eviction a shift; entries are [name, value]. */
  private readonly entries: [string, string][] = [];
  private size = 0;
  private maxSize: number;
  // Cursor of the block being decoded: integer and string reads advance it.
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;

  /** `limit` is SETTINGS_HEADER_TABLE_SIZE as this side announced it: a size update may not exceed it. */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /** The dynamic table's size in RFC octets, and its entries newest first (for tests). */
  get tableSize(): number {
    return this.size;
  }

  get table(): [string, string][] {
    return [...this.entries].reverse();
  }

  /** Decodes one complete header block; throws HpackError on anything malformed (a connection error). */
  decode(buf: Buffer, start: number, end: number, sink: FieldSink): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    let fields = 0;
    while (this.pos < this.end) {
      const first = buf[this.pos] as number;
      if (first & 0x80) {
        const [name, value] = this.entry(this.integer(7));
        sink(name, value);
      } else if (first & 0x40) {
        const [name, value] = this.literal(6);
        this.insert(name, value);
        sink(name, value);
      } else if (first & 0x20) {
        // A size update is allowed only at the start of a block (RFC 7541 section 4.2).
        if (fields > 0) throw new HpackError('dynamic table size update after a header field');
        const size = this.integer(5);
        if (size > this.limit)
          throw new HpackError(`dynamic table size ${size} above the limit ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // Without indexing (0000) and never indexed (0001) decode alike.
        const [name, value] = this.literal(4);
        sink(name, value);
      }
      fields++;
    }
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_COUNT) return STATIC_TABLE[index - 1] as [string, string];
    const entry = this.entries[this.entries.length - (index - STATIC_COUNT)];
    if (entry === undefined) throw new HpackError(`index ${index} beyond the tables`);
    return entry;
  }

  private literal(prefixBits: number): [string, string] {
    const index = this.integer(prefixBits);
    const name = index === 0 ? this.string() : (this.entry(index)[0] as string);
    return [name, this.string()];
  }

  private insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evict(size);
    // An entry larger than the whole table empties it and is not added (RFC 7541 section 4.4).
    if (size > this.maxSize) return;
    this.entries.push([name, value]);
    this.size += size;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.entries.length > 0) {
      const [name, value] = this.entries.shift() as [string, string];
      this.size -= name.length + value.length + ENTRY_OVERHEAD;
    }
  }

  /** An integer with an N-bit prefix (RFC 7541 section 5.1); bounded so a hostile block cannot overflow it. */
  private integer(prefixBits: number): number {
    if (this.pos >= this.end) throw new HpackError('truncated integer');
    const max = (1 << prefixBits) - 1;
    let value = (this.buf[this.pos++] as number) & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new HpackError('truncated integer');
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return value;
      // 2^28 and up is far beyond any header or table size this client accepts.
      if (shift > 21) throw new HpackError('integer too large');
    }
  }

  /** A string literal (RFC 7541 section 5.2), plain or Huffman-coded. */
  private string(): string {
    if (this.pos >= this.end) throw new HpackError('truncated string');
    const huffman = ((this.buf[this.pos] as number) & 0x80) !== 0;
    const length = this.integer(7);
    const start = this.pos;
    const stop = start + length;
    if (stop > this.end) throw new HpackError('string beyond the block');
    this.pos = stop;
    if (!huffman) return this.buf.toString('latin1', start, stop);
    const text = huffmanDecode(this.buf, start, stop);
    if (text === undefined) throw new HpackError('invalid Huffman coding');
    return text;
  }
}
