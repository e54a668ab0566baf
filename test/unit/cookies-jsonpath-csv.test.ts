import { describe, expect, it } from 'vitest';
import { CookieJar } from '../../src/engine/cookies.js';
import { parseCsv } from '../../src/engine/feeders.js';
import { compileJsonPath, readJsonPath } from '../../src/engine/json-path.js';

describe('cookie jar', () => {
  it('stores, replaces and expires cookies', () => {
    const jar = new CookieJar();
    jar.store('session=abc; Path=/; HttpOnly', 1000);
    jar.store('theme=dark', 1000);
    expect(jar.header(1000)).toBe('session=abc; theme=dark');
    jar.store('session=def', 1000);
    expect(jar.header(1000)).toBe('session=def; theme=dark');
    jar.store('theme=x; Max-Age=0', 1000);
    expect(jar.header(1000)).toBe('session=def');
    jar.store('short=1; Max-Age=1', 1000);
    expect(jar.header(2500)).toBe('session=def');
  });
});

describe('JSON paths', () => {
  it('reads dotted, bracketed and indexed paths', () => {
    const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x-y': 'z' };
    expect(readJsonPath(doc, compileJsonPath('$.a.b[1].c'))).toBe(2);
    expect(readJsonPath(doc, compileJsonPath('$["x-y"]'))).toBe('z');
    expect(readJsonPath(doc, compileJsonPath('$'))).toBe(doc);
    expect(readJsonPath(doc, compileJsonPath('$.missing.deep'))).toBeUndefined();
    expect(() => compileJsonPath('a.b')).toThrow(/must start with \$/);
    expect(() => compileJsonPath('$..a')).toThrow(/not supported/);
  });
});

describe('CSV', () => {
  it('handles quotes, embedded commas, doubled quotes and CRLF', () => {
    expect(parseCsv('name,note\r\nada,"hello, world"\r\nbob,"say ""hi"""\n\n')).toEqual([
      ['name', 'note'],
      ['ada', 'hello, world'],
      ['bob', 'say "hi"'],
    ]);
  });
});
