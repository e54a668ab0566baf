/**
 * HdrHistogram's V2 compressed encoding, byte for byte what hdr-histogram-js writes, for histograms whose
 * counts are a typed array. hdr-histogram-js writes each byte through a growing ByteBuffer and each count
 * through a chain of divisions: 0.2-0.3 ms a histogram warm and over 1 ms cold, on the load thread, for
 * every cumulative histogram in a full snapshot. This writes into one reused buffer.
 */
import { deflateSync } from 'node:zlib';

/** The fields of a typed-array histogram the encoding reads. */
export interface EncodableHdr {
  _counts: Float64Array;
  maxValue: number;
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  countsArrayIndex(value: number): number;
}

// The cookies' word-size nibble 0x10 says "ZigZag LEB128 counts, runs of zeros as negative numbers".
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;
/** A ZigZag LEB128-64b9B word takes at most 9 bytes. */
const MAX_WORD_BYTES = 9;
const TWO_POW_32 = 2 ** 32;

let scratch = Buffer.allocUnsafe(16 * 1024);

function putInt64(out: Buffer, at: number, value: number): void {
  out.writeInt32BE(Math.floor(value / TWO_POW_32) | 0, at);
  out.writeInt32BE(value | 0, at + 4);
}

/** ZigZag, then LEB128 with the 9th byte taking 8 bits; counts are integers below 2^53. */
function putWord(out: Buffer, at: number, signed: number): number {
  let value = signed >= 0 ? signed * 2 : -signed * 2 - 1;
  let pos = at;
  for (let byte = 0; byte < 8; byte++) {
    if (value < 0x80) {
      out[pos++] = value;
      return pos;
    }
    out[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[pos++] = value & 0xff;
  return pos;
}

export function encodeV2CompressedBase64(h: EncodableHdr): string {
  const counts = h._counts;
  const limit = h.countsArrayIndex(h.maxValue) + 1;
  const need = HEADER_BYTES + limit * MAX_WORD_BYTES;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
  const out = scratch;
  out.writeInt32BE(V2_COOKIE, 0);
  out.writeInt32BE(1, 8); // normalizing index offset, as hdr-histogram-js writes it
  out.writeInt32BE(h.numberOfSignificantValueDigits, 12);
  putInt64(out, 16, h.lowestDiscernibleValue);
  putInt64(out, 24, h.highestTrackableValue);
  putInt64(out, 32, 1); // integer-to-double conversion ratio
  let pos = HEADER_BYTES;
  let i = 0;
  while (i < limit) {
    const count = counts[i++] as number;
    if (count !== 0) {
      pos = putWord(out, pos, count);
      continue;
    }
    let zeros = 1;
    while (i < limit && counts[i] === 0) {
      zeros++;
      i++;
    }
    pos = putWord(out, pos, zeros > 1 ? -zeros : 0);
  }
  out.writeInt32BE(pos - HEADER_BYTES, 4);
  const compressed = deflateSync(out.subarray(0, pos));
  const framed = Buffer.allocUnsafe(8 + compressed.length);
  framed.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  framed.writeInt32BE(compressed.length, 4);
  compressed.copy(framed, 8);
  return framed.toString('base64');
}
