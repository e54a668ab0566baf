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

/** A decoded block: its bytes, its fields in order, and which of them went into the dynamic table. */
interface Block {
  bytes: Buffer;
  fields: (readonly [string, string])[];
  inserted: boolean[];
}

export class HpackDecoder {
  /**
   * The dynamic table as a ring: `count` entries ending at `newest`, each [name, value]. Every entry costs at
   * least 32 octets, so the ring never holds more than limit / 32; adding and evicting move no other entry.
   */
  private readonly ring: (readonly [string, string] | undefined)[];
  private newest = -1;
  private count = 0;
  private size = 0;
  private maxSize: number;
  // Cursor of the block being decoded: integer and string reads advance it.
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** Fields of the block being decoded, kept for `last`; and the last block that can be replayed. */
  private readonly record: Block = { bytes: Buffer.alloc(0), fields: [], inserted: [] };
  private last: Block | undefined;

  /** `limit` is SETTINGS_HEADER_TABLE_SIZE as this side announced it: a size update may not exceed it. */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
    this.ring = new Array(Math.max(1, Math.floor(limit / ENTRY_OVERHEAD))).fill(undefined);
  }

  /** The entry `age` places from the newest (0: the newest). */
  private at(age: number): readonly [string, string] {
    const cap = this.ring.length;
    return this.ring[(this.newest - age + cap) % cap] as readonly [string, string];
  }

  /** The dynamic table's size in RFC octets, and its entries newest first (for tests). */
  get tableSize(): number {
    return this.size;
  }

  get table(): (readonly [string, string])[] {
    return Array.from({ length: this.count }, (_, age) => this.at(age));
  }

  /** Decodes one complete header block; throws HpackError on anything malformed (a connection error). */
  decode(buf: Buffer, start: number, end: number, sink: FieldSink): void {
    const last = this.last;
    if (
      last !== undefined &&
      last.bytes.length === end - start &&
      last.bytes.compare(buf, start, end) === 0
    ) {
      this.replay(last, sink);
      return;
    }
    const record = this.record;
    record.fields.length = 0;
    record.inserted.length = 0;
    this.buf = buf;
    this.pos = start;
    this.end = end;
    // A block that reads the dynamic table or resizes it means something else next time: never replayed.
    let replayable = true;
    while (this.pos < this.end) {
      const first = buf[this.pos] as number;
      let field: readonly [string, string];
      let inserted = false;
      if (first & 0x80) {
        const index = this.integer(7);
        if (index > STATIC_COUNT) replayable = false;
        field = this.entry(index);
      } else if (first & 0x40) {
        const index = this.integer(6);
        if (index > STATIC_COUNT) replayable = false;
        field = this.literal(index);
        this.insert(field);
        inserted = true;
      } else if (first & 0x20) {
        // A size update is allowed only at the start of a block (RFC 7541 section 4.2).
        if (record.fields.length > 0) throw new HpackError('dynamic table size update after a header field');
        const size = this.integer(5);
        if (size > this.limit)
          throw new HpackError(`dynamic table size ${size} above the limit ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
        replayable = false;
        continue;
      } else {
        // Without indexing (0000) and never indexed (0001) decode alike.
        const index = this.integer(4);
        if (index > STATIC_COUNT) replayable = false;
        field = this.literal(index);
      }
      record.fields.push(field);
      record.inserted.push(inserted);
      sink(field[0], field[1]);
    }
    this.last = replayable
      ? {
          bytes: Buffer.from(buf.subarray(start, end)),
          fields: [...record.fields],
          inserted: [...record.inserted],
        }
      : undefined;
  }

  /**
   * The same bytes as the last replayable block: the same fields and the same inserts, since that block read
   * only the static table. A server such as nginx sends the same block for every response of an endpoint
   * (until its Date changes), so a response head then costs one byte comparison instead of a decode.
   */
  private replay(block: Block, sink: FieldSink): void {
    const { fields, inserted } = block;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as readonly [string, string];
      if (inserted[i]) this.insert(field);
      sink(field[0], field[1]);
    }
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_COUNT) return STATIC_TABLE[index - 1] as [string, string];
    const age = index - STATIC_COUNT - 1;
    if (age >= this.count) throw new HpackError(`index ${index} beyond the tables`);
    return this.at(age);
  }

  /** A literal whose name is entry `index`, or a literal name when 0. */
  private literal(index: number): readonly [string, string] {
    const name = index === 0 ? this.string() : (this.entry(index)[0] as string);
    return [name, this.string()];
  }

  private insert(entry: readonly [string, string]): void {
    const size = entry[0].length + entry[1].length + ENTRY_OVERHEAD;
    this.evict(size);
    // An entry larger than the whole table empties it and is not added (RFC 7541 section 4.4).
    if (size > this.maxSize) return;
    this.newest = (this.newest + 1) % this.ring.length;
    this.ring[this.newest] = entry;
    this.count++;
    this.size += size;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.count > 0) {
      const [name, value] = this.at(--this.count);
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
