/**
 * The HPACK Huffman code (RFC 7541 Appendix B): the bit length of each of the 257 symbols (bytes 0-255, then
 * EOS at 256). The code is canonical (codes of one length are consecutive, assigned in symbol order, shorter
 * lengths first), so the lengths alone determine every code; `HUFFMAN_CODES` rebuilds them the RFC's way.
 */
// biome-ignore format: one row per 16 symbols keeps the table checkable against the RFC
export const HUFFMAN_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

/** The symbol RFC 7541 calls EOS: never inside a string; its leading bits pad the last byte. */
export const EOS = 256;

/** Each symbol's code, right-aligned in `HUFFMAN_LENGTHS[symbol]` bits. */
export const HUFFMAN_CODES: Uint32Array = canonicalCodes(HUFFMAN_LENGTHS);

function canonicalCodes(lengths: readonly number[]): Uint32Array {
  const order = lengths.map((_, symbol) => symbol);
  order.sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let previous = lengths[order[0] as number] as number;
  for (let i = 0; i < order.length; i++) {
    const symbol = order[i] as number;
    const length = lengths[symbol] as number;
    if (i > 0) code = (code + 1) * 2 ** (length - previous);
    previous = length;
    codes[symbol] = code;
  }
  return codes;
}
