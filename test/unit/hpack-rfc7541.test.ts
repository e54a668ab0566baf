import { describe, expect, it } from 'vitest';
import type { HttpRequest, RequestHeadCache } from '../../src/protocols/http-types.js';
import { HpackDecoder } from '../../src/protocols/http2/hpack-decoder.js';
import { BlockWriter, writeField } from '../../src/protocols/http2/hpack-encoder.js';
import { STATIC_TABLE } from '../../src/protocols/http2/hpack-static.js';
import { huffmanDecode, huffmanEncode } from '../../src/protocols/http2/huffman.js';
import { HUFFMAN_CODES } from '../../src/protocols/http2/huffman-table.js';
import { requestBlock } from '../../src/protocols/http2/request-block.js';

/** Hex as printed in RFC 7541 Appendix C (spaces and line breaks ignored). */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function decode(decoder: HpackDecoder, block: Buffer): [string, string][] {
  const fields: [string, string][] = [];
  decoder.decode(block, 0, block.length, (name, value) => fields.push([name, value]));
  return fields;
}

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const location = 'https://www.example.com';

/** RFC 7541 C.3 and C.4: the same three requests, plain and Huffman-coded; one decoder per sequence. */
const requests = [
  {
    fields: [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ],
    table: [[':authority', 'www.example.com']],
    size: 57,
  },
  {
    fields: [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ],
    table: [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 110,
  },
  {
    fields: [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ],
    table: [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 164,
  },
];

/** RFC 7541 C.5 and C.6: three responses with a 256-octet table, so entries are evicted. */
const responses = [
  {
    fields: [
      [':status', '302'],
      ['cache-control', 'private'],
      ['date', date1],
      ['location', location],
    ],
    table: [
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
    size: 222,
  },
  {
    fields: [
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', date1],
      ['location', location],
    ],
    table: [
      [':status', '307'],
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
    ],
    size: 222,
  },
  {
    fields: [
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', date2],
      ['location', location],
      ['content-encoding', 'gzip'],
      ['set-cookie', cookie],
    ],
    table: [
      ['set-cookie', cookie],
      ['content-encoding', 'gzip'],
      ['date', date2],
    ],
    size: 215,
  },
];

const C3 = [
  '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '8286 84be 5808 6e6f 2d63 6163 6865',
  '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
];
const C4 = [
  '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
  '8286 84be 5886 a8eb 1064 9cbf',
  '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
];
const C5 = [
  `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
   2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
  '4803 3330 37c1 c0bf',
  `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
   54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
   5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
];
const C6 = [
  `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
   2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
  '4883 640e ffc1 c0bf',
  `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
   77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
   9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
];

describe('HPACK decoding, RFC 7541 Appendix C', () => {
  it('has the 61 static entries of Appendix A', () => {
    expect(STATIC_TABLE).toHaveLength(61);
    expect(STATIC_TABLE[58]).toEqual(['vary', '']);
    expect(STATIC_TABLE[60]).toEqual(['www-authenticate', '']);
  });

  const cases = [
    { name: 'C.3 requests without Huffman coding', blocks: C3, expected: requests, tableSize: 4096 },
    { name: 'C.4 requests with Huffman coding', blocks: C4, expected: requests, tableSize: 4096 },
    {
      name: 'C.5 responses without Huffman coding, with eviction',
      blocks: C5,
      expected: responses,
      tableSize: 256,
    },
    {
      name: 'C.6 responses with Huffman coding, with eviction',
      blocks: C6,
      expected: responses,
      tableSize: 256,
    },
  ];
  for (const { name, blocks, expected, tableSize } of cases) {
    it(name, () => {
      const decoder = new HpackDecoder(tableSize);
      blocks.forEach((block, i) => {
        const want = expected[i] as (typeof expected)[number];
        expect(decode(decoder, hex(block))).toEqual(want.fields);
        expect(decoder.table).toEqual(want.table);
        expect(decoder.tableSize).toBe(want.size);
      });
    });
  }

  it('applies a dynamic table size update and refuses one above the announced limit', () => {
    const decoder = new HpackDecoder(4096);
    decode(decoder, hex(C3[0] as string));
    // 0x20: size update to 0 evicts everything; then an indexed :method GET.
    expect(decode(decoder, hex('20 82'))).toEqual([[':method', 'GET']]);
    expect(decoder.tableSize).toBe(0);
    expect(() => decode(new HpackDecoder(4096), hex('3fe21f'))).toThrow(/above the limit/);
  });

  it('refuses malformed blocks with an error, never a crash', () => {
    for (const bad of ['be', '80', '41', '4185', '418af1e3', '82 20', 'ff ff ff ff ff ff 01'])
      expect(() => decode(new HpackDecoder(), hex(bad))).toThrow();
  });
});

describe('HPACK block replay', () => {
  // nginx 1.22's head for GET /api/data: static :status 200, then four Huffman or plain literals, each indexed.
  const nginx = hex(
    '887689aa6355e580ae212e1f6197d07abe94640a693f75040138a01ab8cbb71b754c5a37ff5f8b1d75d0620d263d4c7441ea5c03373832',
  );
  const nginxFields = [
    [':status', '200'],
    ['server', 'nginx/1.22.1'],
    ['date', 'Mon, 30 Nov 2026 04:37:57 GMT'],
    ['content-type', 'application/json'],
    ['content-length', '782'],
  ];

  it('gives the same fields and the same inserts when the same static-only block comes again', () => {
    const decoder = new HpackDecoder();
    for (let i = 1; i <= 3; i++) {
      expect(decode(decoder, nginx)).toEqual(nginxFields);
      expect(decoder.table).toHaveLength(4 * i);
    }
    expect(decoder.table.slice(0, 4)).toEqual([
      ['content-length', '782'],
      ['content-type', 'application/json'],
      ['date', 'Mon, 30 Nov 2026 04:37:57 GMT'],
      ['server', 'nginx/1.22.1'],
    ]);
    expect(decoder.tableSize).toBe(3 * (50 + 65 + 60 + 49));
  });

  it('decodes again a block that reads the dynamic table, whose meaning changes with it', () => {
    const decoder = new HpackDecoder();
    const newest = hex('be'); // index 62: the newest dynamic entry
    decode(decoder, hex('4001610131')); // insert a: 1
    expect(decode(decoder, newest)).toEqual([['a', '1']]);
    decode(decoder, hex('4001620132')); // insert b: 2
    expect(decode(decoder, newest)).toEqual([['b', '2']]);
  });
});

describe('Huffman code', () => {
  it('matches codes the RFC prints and round-trips every byte', () => {
    expect(HUFFMAN_CODES[48]).toBe(0x0); // '0', 5 bits
    expect(HUFFMAN_CODES[97]).toBe(0x3); // 'a', 5 bits
    expect(HUFFMAN_CODES[0]).toBe(0x1ff8);
    expect(HUFFMAN_CODES[256]).toBe(0x3fffffff); // EOS
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    const coded = huffmanEncode(all.repeat(2));
    expect(huffmanDecode(coded, 0, coded.length)).toBe(all.repeat(2));
    expect(huffmanEncode('www.example.com').toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
  });

  it('refuses padding longer than 7 bits, padding with a zero bit, and EOS', () => {
    expect(huffmanDecode(Buffer.from([0xff]), 0, 1)).toBeUndefined(); // 8 bits of padding
    expect(huffmanDecode(Buffer.from([0x00]), 0, 1)).toBeUndefined(); // '0' then 000 as padding
    expect(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4)).toBeUndefined(); // EOS
  });
});

describe('HPACK encoding of requests', () => {
  it('indexes static matches and writes literals the decoder reads back', () => {
    const w = new BlockWriter();
    const fields: [string, string][] = [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/a?b=1'],
      [':authority', 'example.test:8443'],
      ['authorization', 'Bearer t'],
      ['x-long', 'v'.repeat(300)],
    ];
    for (const [name, value] of fields) writeField(w, name, value);
    const block = w.take();
    expect(block.subarray(0, 2).toString('hex')).toBe('8287');
    const decoder = new HpackDecoder();
    expect(decode(decoder, block)).toEqual(fields);
    expect(decoder.tableSize).toBe(0);
  });
});

describe('request header blocks', () => {
  const base: HttpRequest = {
    origin: 'https://api.test:8443',
    path: '/login',
    method: 'POST',
    headers: [],
    body: undefined,
    timeoutMs: 1000,
    captureBody: false,
    captureHeaders: false,
  };
  const fieldsOf = (block: Buffer) => decode(new HpackDecoder(), block);

  it('puts pseudo-headers first, lower-cases names, drops connection headers, turns Host into :authority', () => {
    const request = {
      ...base,
      headers: [
        'Authorization',
        'Bearer t',
        'Connection',
        'keep-alive',
        'Host',
        'other.test',
        'Content-Length',
        '9',
      ],
      body: '{"u":"ü"}',
    };
    expect(fieldsOf(requestBlock(request, 'https', 'api.test:8443'))).toEqual([
      [':method', 'POST'],
      [':scheme', 'https'],
      [':path', '/login'],
      [':authority', 'other.test'],
      ['authorization', 'Bearer t'],
      ['content-length', '10'],
    ]);
    // Kept on the request: a static step's next send reuses the same bytes.
    expect(requestBlock(request, 'https', 'api.test:8443')).toBe(request.h2Block);
  });

  it("encodes a step's static part once and only the varying pairs per request", () => {
    const head: RequestHeadCache = { staticPairs: 1, staticLine: true };
    const send = (token: string) =>
      fieldsOf(
        requestBlock(
          { ...base, method: 'GET', head, headers: ['accept', 'application/json', 'authorization', token] },
          'https',
          'api.test:8443',
        ),
      );
    const expected = (token: string) => [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/login'],
      [':authority', 'api.test:8443'],
      ['accept', 'application/json'],
      ['authorization', token],
    ];
    expect(send('Bearer a')).toEqual(expected('Bearer a'));
    const prefix = head.h2Prefix;
    expect(prefix).toBeInstanceOf(Buffer);
    expect(send('Bearer b')).toEqual(expected('Bearer b'));
    expect(head.h2Prefix).toBe(prefix);
  });

  it('takes :authority from a templated Host, and the path of a step whose path varies', () => {
    const head: RequestHeadCache = { staticPairs: 0, staticLine: false };
    const block = requestBlock(
      { ...base, method: 'GET', path: '/items/7', head, headers: ['host', 'tenant-7.test'] },
      'http',
      'api.test:8443',
    );
    expect(fieldsOf(block)).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/items/7'],
      [':authority', 'tenant-7.test'],
    ]);
  });
});
