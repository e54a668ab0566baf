/**
 * randomString(n) has a cap (MAX_RANDOM_STRING_LENGTH, 1 MiB): a literal above it is a validation problem
 * with the field path; a value above it at run time (n from a variable a target may choose) throws a
 * TemplateLimitError before anything is allocated, so that iteration fails instead of the generator.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition, compileTemplate } from '../../src/engine/template.js';
import { MAX_RANDOM_STRING_LENGTH, TemplateLimitError } from '../../src/engine/template-functions.js';
import { parseManifest } from '../../src/manifest/validate.js';

const manifest = (flow: string) => `apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: rs }
spec:
  target: { baseURL: "http://127.0.0.1:1" }
  scenarios:
    s:
      executor: shared-iterations
      vus: 1
      iterations: 1
      flow:
${flow}`;

const ctx = (n: unknown) => ({ vu: 1, iteration: 0, scenario: 's', env: {}, vars: { n }, data: {} });

describe('randomString length cap', () => {
  it('a literal length above the cap is a validation problem at the field, wherever the template is', () => {
    const result = parseManifest(
      manifest(`        - request:
            method: POST
            url: /echo
            body: "\${randomString(100000000)}"
            headers: { x-pad: "\${randomString('2000000')}" }
          if: "\${randomString(1048577) != ''}"
`),
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: 'spec.scenarios.s.flow[0].request.body',
          message: 'randomString(100000000): the length is at most 1048576',
        },
        {
          path: 'spec.scenarios.s.flow[0].request.headers.x-pad',
          message: 'randomString(2000000): the length is at most 1048576',
        },
        expect.objectContaining({ path: 'spec.scenarios.s.flow[0].if' }),
      ]),
    );
  });

  it('the cap itself is allowed', () => {
    expect(MAX_RANDOM_STRING_LENGTH).toBe(1024 * 1024);
    const result = parseManifest(
      manifest(`        - request: { method: POST, url: /echo, body: "\${randomString(1048576)}" }\n`),
    );
    expect(result.ok).toBe(true);
    expect(compileTemplate('${randomString(1048576)}').render(ctx(0))).toHaveLength(MAX_RANDOM_STRING_LENGTH);
  });

  it('a length from a variable above the cap throws a TemplateLimitError, in templates and conditions', () => {
    const body = compileTemplate('${randomString(vars.n)}');
    expect(body.render(ctx(16))).toMatch(/^[a-z0-9]{16}$/);
    expect(() => body.render(ctx(2_000_000))).toThrow(TemplateLimitError);
    expect(() => body.render(ctx('2000000'))).toThrow('randomString(2000000): the length is at most 1048576');
    expect(() => compileCondition("randomString(vars.n) != ''").holds(ctx(Infinity))).toThrow(
      TemplateLimitError,
    );
  });
});
