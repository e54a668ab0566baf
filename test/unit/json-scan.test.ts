import { describe, expect, it } from 'vitest';
import { compileJsonPath, readJsonPath } from '../../src/engine/json-path.js';
import { SCAN_GAVE_UP, scanJsonPath, scannable } from '../../src/engine/json-scan.js';

const byParse = (text: string, path: string) => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return readJsonPath(doc, compileJsonPath(path));
};
const byScan = (text: string, path: string) => scanJsonPath(text, compileJsonPath(path));
/** What a step reads: the scan, or the full parse where the scan gives up. */
const read = (text: string, path: string) => {
  const v = byScan(text, path);
  return v === SCAN_GAVE_UP ? byParse(text, path) : v;
};

const DATA = JSON.stringify({
  items: Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    name: `item-${i + 1}`,
    tags: ['a', { x: null }],
  })),
  total: 20,
  'a b': { 'c"d': 1 },
  nested: {
    deep: [
      [1, 2],
      [3, { v: 'é\u2028\\"' }],
    ],
  },
  flags: [true, false, null, -0.5e-3, 0, 12],
});

describe('JSON path scan gives what JSON.parse gives', () => {
  const paths = [
    '$',
    '$.items[0].id',
    '$.items[19].name',
    '$.items[20]',
    '$.items[3].tags[1].x',
    '$.items[3].tags[1].y',
    '$.total',
    '$.missing',
    '$.total.deeper',
    '$["a b"]',
    '$.nested.deep[1][1].v',
    '$.nested.deep[1]',
    '$.flags[3]',
    '$.flags[2]',
    '$.flags',
  ];
  for (const path of paths) {
    it(`reads ${path}`, () => {
      expect(byScan(DATA, path)).toEqual(byParse(DATA, path));
    });
  }

  it('with whitespace everywhere JSON allows it', () => {
    const text = ' \n{ "token" :\t"abc" , "items" : [ { "id" : 7 } ] }\r\n';
    expect(byScan(text, '$.token')).toBe('abc');
    expect(byScan(text, '$.items[0].id')).toBe(7);
    expect(byScan(text, '$.nope')).toBeUndefined();
  });

  it('reads "not found" from text that is not JSON before the value', () => {
    for (const text of [
      '',
      'nope',
      '{"a":tru,"token":"x"}',
      '{"a":01,"token":"x"}',
      '{"a":"\u0001","token":"x"}',
      '{a:1}',
      '[1,]',
    ])
      expect(read(text, '$.token')).toBe(byParse(text, '$.token'));
  });

  it('reads "not found" when the whole text is walked and has trailing garbage', () => {
    expect(byScan('{"a":1} x', '$.b')).toBeUndefined();
  });

  it('leaves to JSON.parse what it would read differently', () => {
    expect(byScan('{"to\\u006ben":"x"}', '$.token')).toBe(SCAN_GAVE_UP);
    expect(byScan('{"0":"x"}', '$[0]')).toBe(SCAN_GAVE_UP);
    expect(byScan('[1,2,3]', '$.length')).toBe(SCAN_GAVE_UP);
    expect(byScan(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, '$[0]')).toBe(SCAN_GAVE_UP);
    expect(scannable(compileJsonPath('$.constructor'))).toBe(false);
    expect(scannable(compileJsonPath('$.items[0].id'))).toBe(true);
  });

  it('stops at the value: the first of repeated keys, and nothing after it is read', () => {
    expect(byScan('{"token":"first","token":"last"}', '$.token')).toBe('first');
    expect(byScan('{"token":"abc", this is not JSON', '$.token')).toBe('abc');
  });
});
