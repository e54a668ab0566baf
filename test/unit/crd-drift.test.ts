import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadTestCRD, renderCRDYaml } from '../../src/manifest/crd.js';

describe('the committed CRD', () => {
  it('matches what the schema generates (run `npm run gen:crd` after changing src/api)', () => {
    const committed = readFileSync(
      new URL('../../crds/loadtests.stampede.dev.yaml', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderCRDYaml());
  });

  it('is structural: every property has a type or explicitly preserves unknown fields', () => {
    const untyped: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (!node.type && !node['x-kubernetes-preserve-unknown-fields']) untyped.push(path);
      for (const [k, v] of Object.entries(
        (node.properties ?? {}) as Record<string, Record<string, unknown>>,
      )) {
        walk(v, `${path}.${k}`);
      }
      if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
      if (typeof node.additionalProperties === 'object')
        walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
      expect(node).not.toHaveProperty('patternProperties');
      expect(node).not.toHaveProperty('anyOf');
      expect(node).not.toHaveProperty('x-hint');
    };
    const crd = parse(renderCRDYaml());
    walk(crd.spec.versions[0].schema.openAPIV3Schema, '');
    expect(untyped).toEqual([]);
  });

  it('has the status subresource, short name, category and printer columns', () => {
    const crd = loadTestCRD() as {
      spec: { names: Record<string, unknown>; versions: Record<string, unknown>[] };
    };
    expect(crd.spec.names).toMatchObject({
      shortNames: ['lt'],
      categories: expect.arrayContaining(['stampede']),
    });
    const version = crd.spec.versions[0] as {
      subresources: unknown;
      additionalPrinterColumns: { name: string }[];
    };
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'Phase',
      'Runners',
      'RPS',
      'P95(ms)',
      'Errors',
      'Verdict',
      'Age',
    ]);
  });
});
