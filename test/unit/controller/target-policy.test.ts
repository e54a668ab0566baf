import { describe, expect, it } from 'vitest';
import { parseTargetPolicy, refusedTargets } from '../../../src/controller/target-policy.js';
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
