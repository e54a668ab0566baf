import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCredentials, loadKubeconfigFile } from '../../src/kube/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('kubeconfig loading', () => {
  it('reads the current context: server, CA and client certificate data', () => {
    const path = write(
      'certs.yaml',
      `apiVersion: v1
kind: Config
current-context: b
contexts:
  - { name: a, context: { cluster: other, user: other } }
  - { name: b, context: { cluster: local, user: admin, namespace: perf } }
clusters:
  - { name: local, cluster: { server: "https://127.0.0.1:6443/", certificate-authority-data: ${Buffer.from('CA').toString('base64')} } }
users:
  - { name: admin, user: { client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key: key.pem } }
`,
    );
    write('key.pem', 'KEY');
    const c = loadKubeconfigFile(path);
    expect(c.server).toBe('https://127.0.0.1:6443');
    expect(c.ca?.toString()).toBe('CA');
    expect(c.cert?.toString()).toBe('CERT');
    // Relative file paths resolve next to the kubeconfig, as kubectl does.
    expect(c.key?.toString()).toBe('KEY');
    expect(c.namespace).toBe('perf');
  });

  it('re-reads a token file on every call, so rotated tokens are picked up', () => {
    const token = write('token', 'one');
    const path = write(
      'token.yaml',
      `current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "https://k:443", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { tokenFile: ${token} } }]
`,
    );
    const c = loadKubeconfigFile(path);
    expect(c.token?.()).toBe('one');
    writeFileSync(token, 'two\n');
    expect(c.token?.()).toBe('two');
    expect(c.insecureSkipTLSVerify).toBe(true);
  });

  it('says clearly what it cannot use', () => {
    const exec = write(
      'exec.yaml',
      `current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "https://k" } }]
users: [{ name: u, user: { exec: { command: aws } } }]
`,
    );
    expect(() => loadKubeconfigFile(exec)).toThrow(/exec and auth-provider credentials are not supported/);
    expect(() => loadKubeconfigFile(join(dir, 'missing.yaml'))).toThrow(/cannot read kubeconfig/);
    expect(() => loadCredentials(undefined, { HOME: dir })).toThrow(/no kubeconfig/);
  });
});
