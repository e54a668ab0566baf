import { describe, expect, it } from 'vitest';
import { compileTemplate, type TemplateContext } from '../../src/engine/template.js';

const ctx = (vars: Record<string, unknown>, iteration = 0): TemplateContext => ({
  vu: 1,
  iteration,
  scenario: 's',
  env: {},
  vars,
  data: {},
});

/** readInputs: whether what a template reads changed since the last call, so its rendering can be kept. */
describe('template inputs', () => {
  it('reports a change only when a value it reads changes', () => {
    const t = compileTemplate('Bearer ${vars.token} #${iteration}');
    const read = t.readInputs as NonNullable<typeof t.readInputs>;
    const seen: unknown[] = ['unrelated'];
    expect(read(ctx({ token: 'a' }), seen, 1)).toBe(true);
    expect(seen).toEqual(['unrelated', 'a', 0]);
    expect(read(ctx({ token: 'a', other: 1 }), seen, 1)).toBe(false);
    expect(read(ctx({ token: 'b' }), seen, 1)).toBe(true);
    expect(read(ctx({ token: 'b' }, 1), seen, 1)).toBe(true);
    expect(read(ctx({}, 1), seen, 1)).toBe(true); // the token went away
    expect(seen).toEqual(['unrelated', undefined, 1]);
  });

  it('counts an object as changed every time: it may have changed in place', () => {
    const t = compileTemplate('${vars.user}');
    const read = t.readInputs as NonNullable<typeof t.readInputs>;
    const user = { id: 1 };
    const seen: unknown[] = [];
    expect(read(ctx({ user }), seen, 0)).toBe(true);
    expect(read(ctx({ user }), seen, 0)).toBe(true);
  });

  it('is absent for templates that call a function, present for conditions and literals', () => {
    expect(compileTemplate('${uuid()}').readInputs).toBeUndefined();
    expect(compileTemplate('x-${randomInt(1, vars.n)}').readInputs).toBeUndefined();
    expect(compileTemplate('${vars.a == 1 && !vars.b}').readInputs).toBeDefined();
    expect(compileTemplate("${'fixed'}").readInputs).toBeDefined();
  });
});
