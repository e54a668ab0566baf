import { describe, expect, it } from 'vitest';
import type { LoadTest } from '../../src/api/schema.js';
import { secretEnv } from '../../src/controller/act.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import { tlsProblems } from '../../src/manifest/validate-tls.js';

function withTls(tls: unknown) {
  return {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'lt', namespace: 'ns' },
    spec: {
      target: { baseURL: 'https://api.test', tls },
      scenarios: {
        s: { executor: 'constant-vus', vus: 1, duration: '1s', flow: [{ request: { url: '/' } }] },
      },
    },
  };
}

const problems = (tls: unknown, runsIn?: 'local' | 'cluster') => {
  const r = validateLoadTest(withTls(tls), { ...(runsIn ? { runsIn } : {}), baseDir: '/' });
  return r.ok ? [] : r.problems;
};

describe('spec.target.tls: where each source may be used', () => {
  it('needs both halves of a client certificate', () => {
    expect(problems({ certFile: 'etc/hostname' })).toEqual([
      { path: 'spec.target.tls.keyFile', message: 'a client certificate needs both certFile and keyFile' },
    ]);
  });

  it('names a missing file by its field path', () => {
    expect(problems({ caFile: 'no/such/ca.pem' })).toEqual([
      { path: 'spec.target.tls.caFile', message: 'file /no/such/ca.pem does not exist' },
    ]);
  });

  it('refuses file paths in a cluster and points at a Secret', () => {
    const [problem] = problems({ caFile: 'ca.pem' }, 'cluster');
    expect(problem?.path).toBe('spec.target.tls.caFile');
    expect(problem?.message).toContain('kubectl create secret tls');
  });

  it('refuses a Secret together with files', () => {
    expect(problems({ secret: 'client-cert', caFile: 'etc/hostname' })[0]?.path).toBe(
      'spec.target.tls.secret',
    );
  });

  it('checks the schema: a Secret name is a DNS name', () => {
    expect(problems({ secret: 'Not_A_Name' })[0]?.path).toBe('spec.target.tls.secret');
  });

  it('locally, a Secret reference needs the PEM text in the environment', () => {
    const lt = withTls({ secret: 'client-cert' }) as unknown as LoadTest;
    expect(tlsProblems(lt, { runsIn: 'local', processEnv: {} })).toEqual([
      {
        path: 'spec.target.tls.secret',
        message:
          "locally the Secret's PEM text comes from STAMPEDE_TLS_CERT and STAMPEDE_TLS_KEY, which are not set (or use certFile and keyFile)",
      },
    ]);
    expect(
      tlsProblems(lt, { runsIn: 'local', processEnv: { STAMPEDE_TLS_CERT: 'x', STAMPEDE_TLS_KEY: 'y' } }),
    ).toEqual([]);
    expect(tlsProblems(lt, { runsIn: 'cluster', processEnv: {} })).toEqual([]);
  });

  it('in a cluster, the controller hands the TLS Secret to runners as env vars, ca.crt optional', () => {
    const lt = withTls({ secret: 'client-cert' }) as unknown as Parameters<typeof secretEnv>[0];
    expect(secretEnv(lt)).toEqual([
      { name: 'STAMPEDE_TLS_CERT', secret: 'client-cert', key: 'tls.crt' },
      { name: 'STAMPEDE_TLS_KEY', secret: 'client-cert', key: 'tls.key' },
      { name: 'STAMPEDE_TLS_CA', secret: 'client-cert', key: 'ca.crt', optional: true },
    ]);
  });
});
