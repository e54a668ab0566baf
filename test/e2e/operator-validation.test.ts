import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ClusterEnv, startClusterEnv } from './cluster-env.js';

const valid = {
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'valid', namespace: 'default' },
  spec: {
    target: { baseURL: 'http://127.0.0.1:9' },
    scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: '/' } }] } },
  },
};

function withSpec(name: string, change: (spec: Record<string, unknown>) => void): string {
  const doc = structuredClone(valid) as typeof valid & { spec: Record<string, unknown> };
  doc.metadata.name = name;
  change(doc.spec);
  return stringify(doc);
}

/** The real apiserver rejects bad LoadTests with readable messages: schema rules, CEL rules, immutability. */
describe('LoadTest admission on a real apiserver', () => {
  let env: ClusterEnv;
  beforeAll(async () => {
    env = await startClusterEnv();
    // No controller runs here: these are the apiserver's own checks from the generated CRD.
  }, 120_000);
  afterAll(() => env?.stop());

  const rejected = async (manifest: string): Promise<string> => {
    try {
      await env.kubectl(['apply', '-f', '-'], manifest);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the apiserver accepted an invalid LoadTest');
  };

  it('rejects schema violations with field paths', async () => {
    const message = await rejected(
      withSpec('bad-schema', (spec) => {
        (spec.scenarios as Record<string, Record<string, unknown>>).s = {
          executor: 'warp',
          vus: -1,
          duration: 'soon',
          flow: [{ request: { url: '/' } }],
        };
      }),
    );
    expect(message).toMatch(
      /spec\.scenarios\.s\.executor: Unsupported value: "warp": supported values: "constant-vus"/,
    );
    expect(message).toMatch(
      /spec\.scenarios\.s\.vus: Invalid value: -1: spec\.scenarios\.s\.vus in body should be greater than or equal to 1/,
    );
    expect(message).toMatch(/spec\.scenarios\.s\.duration: Invalid value: "soon"/);
  });

  it('rejects a rate past its range and an oversized body limit (the CLI refuses them too)', async () => {
    const message = await rejected(
      withSpec('bad-bounds', (spec) => {
        (spec.target as Record<string, unknown>).maxBodyBytes = 1e12;
        (spec.scenarios as Record<string, Record<string, unknown>>).s = {
          executor: 'constant-arrival-rate',
          rate: 1e12,
          duration: '1s',
          preAllocatedVUs: 1,
          flow: [{ request: { url: '/' } }],
        };
      }),
    );
    expect(message).toMatch(/spec\.scenarios\.s\.rate: Invalid value: .*less than or equal to 1000000/);
    expect(message).toMatch(/spec\.target\.maxBodyBytes: Invalid value/);
  });

  it('rejects unknown fields', async () => {
    const message = await rejected(withSpec('bad-field', (spec) => Object.assign(spec, { runnerz: 3 })));
    expect(message).toMatch(/unknown field "spec\.runnerz"/);
  });

  it('rejects cross-field mistakes with the CEL rules the CLI also enforces', async () => {
    const message = await rejected(
      withSpec('bad-cel', (spec) => {
        (spec.scenarios as Record<string, Record<string, unknown>>).s = {
          executor: 'constant-arrival-rate',
          rate: 10,
          duration: '1s',
          preAllocatedVUs: 5,
          maxVUs: 2,
          vus: 3,
          flow: [{ request: { url: '/' }, steps: [{ request: { url: '/x' } }] }],
        };
      }),
    );
    // The same field and message as `stampede validate` (src/manifest/cross-field-rules.ts).
    expect(message).toMatch(
      /spec\.scenarios\[s\]\.vus: Invalid value: is not used by executor constant-arrival-rate; it takes rate, duration, preAllocatedVUs, timeUnit, maxVUs/,
    );
    expect(message).toMatch(/spec\.scenarios\[s\]\.maxVUs: Invalid value: must be at least preAllocatedVUs/);
    expect(message).toMatch(/has request and steps; a step is one of: request, ws, pg, steps/);
  });

  it('rejects breakpoint levels the CLI also rejects', async () => {
    const message = await rejected(
      withSpec('bad-levels', (spec) => {
        (spec.scenarios as Record<string, Record<string, unknown>>).s = {
          executor: 'breakpoint',
          levels: { unit: 'rate', start: 50, step: 10, max: 20, duration: '2s' },
          stopWhen: ['p(95)>1s'],
          flow: [{ request: { url: '/' } }],
        };
      }),
    );
    expect(message).toMatch(
      /spec\.scenarios\[s\]\.levels\.max: Invalid value: must be at least levels\.start/,
    );
    expect(message).toMatch(
      /spec\.scenarios\[s\]\.preAllocatedVUs: Invalid value: is required with levels\.unit: rate/,
    );
  });

  it('rejects any spec change once the LoadTest exists', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      withSpec('fixed', () => undefined),
    );
    const message = await rejected(
      withSpec('fixed', (spec) => {
        (spec.scenarios as Record<string, Record<string, unknown>>).s!.vus = 5;
      }),
    );
    expect(message).toMatch(/spec cannot change once the LoadTest exists; delete it and create a new one/);
    // Labels and other metadata may still change.
    await env.kubectl(['label', 'lt', 'fixed', 'team=perf']);
  });
});
