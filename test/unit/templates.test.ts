import { describe, expect, it } from 'vitest';
import { compileTemplate, type TemplateContext } from '../../src/engine/template.js';

const ctx: TemplateContext = {
  vu: 7,
  iteration: 3,
  scenario: 'shop',
  env: { HOST: 'example' },
  vars: { token: 'abc', nested: { items: [{ id: 42 }] } },
  data: { users: { name: 'ada' } },
};

describe('templates', () => {
  it('renders paths, literals and escapes', () => {
    expect(compileTemplate('user-${vu}-${iteration}').render(ctx)).toBe('user-7-3');
    expect(compileTemplate('Bearer ${vars.token}').render(ctx)).toBe('Bearer abc');
    expect(compileTemplate('${vars.nested.items[0].id}').render(ctx)).toBe('42');
    expect(compileTemplate('${data.users.name}@${env.HOST}').render(ctx)).toBe('ada@example');
    expect(compileTemplate('literal $${not} ${scenario}').render(ctx)).toBe('literal ${not} shop');
  });

  it('keeps the type of a template that is one expression', () => {
    expect(compileTemplate('${vu}').value(ctx)).toBe(7);
    const n = compileTemplate('${randomInt(1, 3)}').value(ctx) as number;
    expect([1, 2, 3]).toContain(n);
  });

  it('calls only whitelisted functions', () => {
    expect(compileTemplate('${uuid()}').render(ctx)).toMatch(/^[0-9a-f-]{36}$/);
    expect(compileTemplate("${randomItem('a', 'b')}").render(ctx)).toMatch(/^[ab]$/);
    expect(() => compileTemplate('${process.exit()}')).toThrow(/unknown name "process"/);
    expect(() => compileTemplate('${require("fs")}')).toThrow(/unknown function require/);
    expect(() => compileTemplate('${constructor.constructor}')).toThrow(/unknown name/);
  });

  it('reports syntax errors and lists references for static checks', () => {
    expect(() => compileTemplate('${vars.token')).toThrow(/unclosed/);
    expect(() => compileTemplate('${}')).toThrow(/empty/);
    expect(() => compileTemplate('${randomInt(1)}')).toThrow(/takes 2 to 2 arguments/);
    expect(compileTemplate('${vars.a} ${env.B}').references).toEqual([
      { root: 'vars', keys: ['a'] },
      { root: 'env', keys: ['B'] },
    ]);
    expect(compileTemplate('plain').isStatic).toBe(true);
  });
});
