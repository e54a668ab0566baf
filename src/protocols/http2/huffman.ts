/**
 * HPACK Huffman decoding (RFC 7541 section 5.2) one input byte per step: a table built once at load time maps
 * (tree node, input byte) to the node reached and the symbols completed on the way (at most two: the shortest
 * code is 5 bits). Servers such as nginx Huffman-code most header values, so this is on the hot path of every
 * response whose headers are not all indexed.
 */
import { EOS, HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.js';

/** The Huffman tree has 257 leaves, so 256 internal nodes; node 0 is the root. */
const NODES = 256;

/** One entry: bits 0-7 next node, 8-9 symbols emitted, 10-17 first, 18-25 second, bit 26 failed (EOS). */
const FAILED = 1 << 26;

interface Tree {
  /** child[node * 2 + bit]: an internal node index, or -(symbol + 1) for a leaf. */
  child: Int32Array;
  /** Nodes reached from the root by 1-bits only, with their depth: where valid padding may stop. */
  onesDepth: Int8Array;
}

function buildTree(): Tree {
  const child = new Int32Array(NODES * 2);
  const onesDepth = new Int8Array(NODES).fill(-1);
  onesDepth[0] = 0;
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const length = HUFFMAN_LENGTHS[symbol] as number;
    const code = HUFFMAN_CODES[symbol] as number;
    let node = 0;
    for (let i = length - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = node * 2 + bit;
      if (i === 0) child[slot] = -(symbol + 1);
      else {
        if (child[slot] === 0) {
          const next = nodes++;
          child[slot] = next;
          if (bit === 1 && onesDepth[node] !== -1) onesDepth[next] = (onesDepth[node] as number) + 1;
        }
        node = child[slot] as number;
      }
    }
  }
  return { child, onesDepth };
}

function buildByteTable(tree: Tree): Uint32Array {
  const table = new Uint32Array(NODES * 256);
  for (let start = 0; start < NODES; start++) {
    for (let byte = 0; byte < 256; byte++) {
      let node = start;
      let emitted = 0;
      let entry = 0;
      for (let bit = 7; bit >= 0; bit--) {
        const next = tree.child[node * 2 + ((byte >> bit) & 1)] as number;
        if (next >= 0) {
          node = next;
          continue;
        }
        const symbol = -next - 1;
        if (symbol === EOS) {
          entry |= FAILED;
          break;
        }
        entry |= symbol << (emitted === 0 ? 10 : 18);
        emitted++;
        node = 0;
      }
      table[start * 256 + byte] = (entry | (emitted << 8) | node) >>> 0;
    }
  }
  return table;
}

/**
 * Built on the first decode (~10 ms of CPU, 256 KiB): every thread that loads the HTTP/2 client would
 * otherwise pay for it at start-up, and most runs never speak HTTP/2.
 */
let tables: { tree: Tree; byteTable: Uint32Array } | undefined;

function decodingTables(): { tree: Tree; byteTable: Uint32Array } {
  if (tables) return tables;
  const tree = buildTree();
  tables = { tree, byteTable: buildByteTable(tree) };
  return tables;
}

/** Scratch for decoded bytes: a header string is at most a few KiB; longer ones grow it once. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * The Huffman-coded bytes `input[start, end)` as a latin1 string (header bytes are octets), or undefined when
 * the coding is invalid: EOS inside, or padding longer than 7 bits or not all ones.
 */
export function huffmanDecode(input: Uint8Array, start: number, end: number): string | undefined {
  // Each input byte yields at most 8/5 symbols.
  const room = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room);
  const out = scratch;
  const { tree, byteTable } = decodingTables();
  let n = 0;
  let node = 0;
  for (let i = start; i < end; i++) {
    const entry = byteTable[node * 256 + (input[i] as number)] as number;
    if (entry & FAILED) return undefined;
    const emitted = (entry >> 8) & 3;
    if (emitted > 0) out[n++] = (entry >> 10) & 0xff;
    if (emitted > 1) out[n++] = (entry >> 18) & 0xff;
    node = entry & 0xff;
  }
  if (node !== 0 && !((tree.onesDepth[node] as number) > 0 && (tree.onesDepth[node] as number) <= 7))
    return undefined;
  return out.toString('latin1', 0, n);
}

/** Huffman-codes `text` (latin1): the encoder sends plain literals; tests use this to build inputs. */
export function huffmanEncode(text: string): Buffer {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    const length = HUFFMAN_LENGTHS[symbol] as number;
    const code = HUFFMAN_CODES[symbol] as number;
    for (let b = length - 1; b >= 0; b--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** b) & 1);
      if (++bits === 8) {
        bytes.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) bytes.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Buffer.from(bytes);
}
