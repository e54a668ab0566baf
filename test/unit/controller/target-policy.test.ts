import { describe, expect, it } from 'vitest';
import { parseTargetPolicy, policyFor, refusedTargets } from '../../../src/controller/target-policy.js';
import { validateLoadTest } from '../../../src/manifest/validate.js';

const lt = (baseURL: string, stepURL: string) => {
  const r = validateLoadTest({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'x' },
    spec: {
      target: { baseURL },
      scenarios: {
        s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: stepURL } }] },
      },
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.loadTest;
};

describe('target policy', () => {
  const policy = parseTargetPolicy('*.svc, *.svc.cluster.local, 10.96.0.0/12, api.example.com');

  it('allows listed names, wildcard suffixes and addresses inside CIDRs', () => {
    expect(policy?.matches('shop.default.svc')).toBe(true);
    expect(policy?.matches('shop.default.svc.cluster.local')).toBe(true);
    expect(policy?.matches('api.example.com')).toBe(true);
    expect(policy?.matches('10.100.2.3')).toBe(true);
    expect(policy?.matches('evil.example.com')).toBe(false);
    expect(policy?.matches('8.8.8.8')).toBe(false);
    expect(policy?.matches('svc')).toBe(false);
  });

  it('names every refused target with its field path, relative URLs inherit the base', () => {
    expect(refusedTargets(lt('http://shop.default.svc', '/api'), policy)).toEqual([]);
    expect(refusedTargets(lt('http://203.0.113.9:8080', 'https://other.example.org/x'), policy)).toEqual([
      "spec.target.baseURL: host 203.0.113.9 is not allowed by the operator's target policy (allowed: *.svc, *.svc.cluster.local, 10.96.0.0/12, api.example.com)",
      "spec.scenarios.s.flow[0].request.url: host other.example.org is not allowed by the operator's target policy (allowed: *.svc, *.svc.cluster.local, 10.96.0.0/12, api.example.com)",
    ]);
  });

  it('no policy, or "*", allows anything', () => {
    expect(parseTargetPolicy('')).toBeUndefined();
    expect(refusedTargets(lt('http://203.0.113.9', '/'), undefined)).toEqual([]);
    expect(parseTargetPolicy('*')?.matches('anything.example')).toBe(true);
  });
});

describe('the up-front check of static hosts', () => {
  const lt2 = (spec: Record<string, unknown>) => {
    const r = validateLoadTest({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'x' },
      spec: { target: { baseURL: 'http://shop.perf.svc' }, ...spec },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.loadTest;
  };
  const flow = (step: Record<string, unknown>) => ({
    scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [step] } },
  });
  const own = policyFor(undefined, 'perf');

  it("defaults to the LoadTest's own namespace's Services", () => {
    expect(own.entries).toEqual(['*.perf.svc', '*.perf.svc.cluster.local']);
    expect(own.matches('shop.perf.svc')).toBe(true);
    expect(own.matches('shop.perf.svc.cluster.local')).toBe(true);
    expect(own.matches('shop.other.svc')).toBe(false);
    expect(own.matches('10.96.0.10')).toBe(false);
    const installed = parseTargetPolicy('*.svc');
    expect(policyFor(installed, 'perf')).toBe(installed);
  });

  it('judges the static host of a templated URL', () => {
    expect(refusedTargets(lt2(flow({ request: { url: 'http://evil.example/${vu}' } })), own)).toEqual([
      "spec.scenarios.s.flow[0].request.url: host evil.example is not allowed by the operator's target policy (allowed: *.perf.svc, *.perf.svc.cluster.local)",
    ]);
    expect(refusedTargets(lt2(flow({ ws: { url: 'ws://evil.example/ws?room=${vu}' } })), own)).toHaveLength(
      1,
    );
    expect(refusedTargets(lt2(flow({ request: { url: '/item/${vu}' } })), own)).toEqual([]);
  });

  it('judges the host a PostgreSQL URL would really dial: ?host= and host lists', () => {
    const pg = (url: string) => lt2({ postgres: { url }, ...flow({ name: 'q', pg: { query: 'SELECT 1' } }) });
    expect(refusedTargets(pg('postgres://u:p@db.perf.svc/db?host=evil.example'), own)).toEqual([
      "spec.postgres.url: host evil.example is not allowed by the operator's target policy (allowed: *.perf.svc, *.perf.svc.cluster.local)",
    ]);
    expect(refusedTargets(pg('postgres://u:p@db.perf.svc,evil.example/db'), own)).toHaveLength(1);
    expect(refusedTargets(pg('postgres://u:p@db.perf.svc/db'), own)).toEqual([]);
  });

  it('never admits the API server or metadata by wildcard, only by name', () => {
    const wide = parseTargetPolicy('*.svc,*.svc.cluster.local,*');
    for (const host of [
      'kubernetes.default.svc',
      'kubernetes.default',
      'metadata.google.internal',
      '169.254.169.254',
    ])
      expect(`${host}: ${wide?.matches(host)}`).toBe(`${host}: false`);
    expect(parseTargetPolicy('kubernetes.default.svc')?.matches('kubernetes.default.svc')).toBe(true);
    expect(parseTargetPolicy('169.254.169.254/32')?.matches('169.254.169.254')).toBe(true);
  });
});
