import { describe, expect, it } from 'vitest';
import { connectionPolicy, policyEntryProblems } from '../../src/protocols/connection-policy.js';

/** The rule runners apply to what is actually dialled: the host and each address it resolved to. */
describe('connection policy', () => {
  it('names must match a name entry; their addresses must be private when the policy has no CIDR', () => {
    const p = connectionPolicy(['*.shop.svc']);
    expect(p.refuse('api.shop.svc', '10.96.4.2')).toBeUndefined();
    expect(p.refuse('api.shop.svc', '203.0.113.7')).toBe(
      'api.shop.svc resolved to 203.0.113.7, which is not a private address',
    );
    expect(p.refuse('api.other.svc', '10.96.4.2')).toBe('api.other.svc: no policy entry allows this host');
    expect(p.refuse('10.96.4.2', '10.96.4.2')).toBe('10.96.4.2: no policy entry covers this address');
  });

  it('with CIDR entries, a name must resolve inside one of them (an ExternalName cannot smuggle a target in)', () => {
    const p = connectionPolicy(['*.shop.svc', '10.96.0.0/12']);
    expect(p.refuse('api.shop.svc', '10.100.0.1')).toBeUndefined();
    expect(p.refuse('api.shop.svc', '10.0.0.1')).toBe(
      'api.shop.svc resolved to 10.0.0.1, which no policy entry covers',
    );
    expect(p.refuse('[fd00::1]', 'fd00::1')).toBe('fd00::1: no policy entry covers this address');
  });

  it('never dials link-local, metadata or the API server unless an entry names them', () => {
    const p = connectionPolicy(['*'], '10.96.0.1');
    expect(p.refuse('anything.example', '203.0.113.7')).toBeUndefined();
    expect(p.refuse('169.254.169.254', '169.254.169.254')).toMatch(/link-local, metadata and API server/);
    expect(p.refuse('fd00:ec2::254', 'fd00:ec2::254')).toMatch(/link-local/);
    expect(p.refuse('evil.example', '169.254.169.254')).toMatch(/link-local/);
    expect(p.refuse('api.shop.svc', '10.96.0.1')).toMatch(/API server/);
    expect(p.refuse('kubernetes.default.svc', '10.96.0.1')).toMatch(/API server/);
    // Spellings of the metadata address: IPv4-mapped IPv6 (a decimal host is normalized by URL first).
    expect(p.refuse('[::ffff:a9fe:a9fe]', '::ffff:a9fe:a9fe')).toMatch(/link-local/);
    expect(p.refuse(new URL('http://2852039166/').hostname, '169.254.169.254')).toMatch(/link-local/);
    const named = connectionPolicy(['kubernetes.default.svc', '10.96.0.1/32'], '10.96.0.1');
    expect(named.refuse('kubernetes.default.svc', '10.96.0.1')).toBeUndefined();
  });

  it('reports malformed entries by name', () => {
    expect(policyEntryProblems(['10.0.0.0/33', 'a b', '*.ok.svc', 'fd00::/129', '*'])).toEqual([
      '10.0.0.0/33: prefix length must be 0..32',
      'a b: not a host name, *.suffix, IP, CIDR or *',
      'fd00::/129: prefix length must be 0..128',
    ]);
  });
});
