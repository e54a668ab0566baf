import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  compileTemplate,
  looseEquals,
  type TemplateContext,
} from '../../src/engine/template.js';

const ctx: TemplateContext = {
  vu: 2,
  iteration: 5,
  scenario: 'api',
  env: { MODE: 'fast' },
  vars: { token: 'abc', count: 3, empty: '' },
  data: { items: { id: '7' } },
  last: { step: 'GET /data', status: 401, ok: false, error: 'http_4xx' },
};

describe('conditions in the template language', () => {
  it('compares, combines and negates', () => {
    const holds = (text: string) => compileCondition(text).holds(ctx);
    expect(holds('last.status == 401')).toBe(true);
    expect(holds('${last.status == 401}')).toBe(true);
    expect(holds('last.status != 401')).toBe(false);
    expect(holds('last.status >= 400 && last.status < 500')).toBe(true);
    expect(holds('last.ok || vars.count > 2')).toBe(true);
    expect(holds('!last.ok && (env.MODE == "slow" || iteration >= 5)')).toBe(true);
    expect(holds("last.error == 'http_4xx'")).toBe(true);
    expect(holds('vars.empty')).toBe(false);
    expect(holds('vars.token')).toBe(true);
    expect(holds('vars.missing == null')).toBe(true);
    expect(holds('!vars.missing')).toBe(true);
    expect(holds('vars.token > 1')).toBe(false);
    expect(holds('true')).toBe(true);
  });

  it('compares scalars by their text, so CSV strings match JSON numbers', () => {
    expect(compileCondition('data.items.id == 7').holds(ctx)).toBe(true);
    expect(looseEquals('3', 3)).toBe(true);
    expect(looseEquals(true, 'true')).toBe(true);
    expect(looseEquals(null, undefined)).toBe(true);
    expect(looseEquals(0, null)).toBe(false);
    expect(looseEquals({ a: 1 }, { a: 1 })).toBe(true);
    expect(looseEquals([1], '1')).toBe(false);
  });

  it('keeps templates working and renders a comparison as text', () => {
    expect(compileTemplate('${last.status}').value(ctx)).toBe(401);
    expect(compileTemplate('big: ${vars.count > 2}').render(ctx)).toBe('big: true');
    expect(compileTemplate('${randomInt(1, 1)}').value(ctx)).toBe(1);
  });

  it('never reaches prototypes and refuses unknown names and bad syntax', () => {
    expect(compileCondition('vars.token.constructor').holds(ctx)).toBe(false);
    expect(compileCondition('vars.__proto__').holds(ctx)).toBe(false);
    expect(() => compileCondition('process.exit()')).toThrow(/unknown name "process"/);
    expect(() => compileCondition('global == 1')).toThrow(/unknown name "global"/);
    expect(() => compileCondition('last.status ==')).toThrow(/unexpected end/);
    expect(() => compileCondition('(last.ok')).toThrow(/expected "\)"/);
    expect(() => compileCondition('last.ok last.ok')).toThrow(/unexpected "last"/);
    expect(() => compileCondition('a = 1')).toThrow();
  });

  it('lists what a condition reads for static checks', () => {
    expect(compileCondition('vars.a == env.B && !last.ok').references).toEqual([
      { root: 'vars', keys: ['a'] },
      { root: 'env', keys: ['B'] },
      { root: 'last', keys: ['ok'] },
    ]);
  });
});
