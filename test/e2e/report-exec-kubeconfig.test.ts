/**
 * `stampede report` through a kubeconfig whose user is an exec plugin (how EKS, GKE, AKS and OIDC helpers
 * authenticate), against the real control plane: the plugin script returns an ExecCredential holding a
 * ServiceAccount token that may read only LoadTests and ConfigMaps. The committed CRD is applied first,
 * as a user installs it, so the apiserver also accepts the schema this branch generates.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_HINT,
  type ControlPlane,
  kubectl,
  missingBinaries,
  startControlPlane,
} from '../cluster/control-plane.js';
import { runCli } from '../helpers/cli.js';
import { pollUntil } from '../helpers/poll.js';
import { ROOT } from './cluster-env.js';

const READER = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: report-reader, namespace: default }
rules:
  - { apiGroups: [stampede.dev], resources: [loadtests], verbs: [get] }
  - { apiGroups: [""], resources: [configmaps], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: report-reader, namespace: default }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: report-reader }
subjects: [{ kind: ServiceAccount, name: reporter, namespace: default }]
`;

/** A kubeconfig whose user runs `plugin`; the cluster is verified with the control plane's CA file. */
function execKubeconfig(cp: ControlPlane, plugin: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cp.server, 'certificate-authority': cp.caCertPath } }],
    users: [
      {
        name: 'sso',
        user: {
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
        },
      },
    ],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'sso', namespace: 'default' } }],
    'current-context': 'c',
  });
}

async function plugin(dir: string, name: string, token: string): Promise<string> {
  const file = join(dir, name);
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token },
  });
  // The marker file proves the CLI ran the plugin.
  await writeFile(file, `#!/bin/sh\necho called >> "${file}.calls"\ncat <<'EOF'\n${credential}\nEOF\n`);
  await chmod(file, 0o755);
  return file;
}

describe('stampede report with an exec-plugin kubeconfig on the real control plane', () => {
  let cp: ControlPlane;
  let dir: string;
  beforeAll(async () => {
    const missing = missingBinaries();
    if (missing.length) throw new Error(`missing ${missing.join(', ')}: run ${BUILD_HINT}`);
    cp = await startControlPlane();
    dir = await mkdtemp(join(tmpdir(), 'stampede-exec-kubeconfig-'));
    await kubectl(cp, ['apply', '--server-side', '-f', join(ROOT, 'crds/loadtests.stampede.dev.yaml')]);
    // `kubectl wait` fails outright if it looks before the CRD has any conditions, so poll instead.
    await pollUntil('the LoadTest CRD to be established', 60_000, async () => {
      const crd = JSON.parse(await kubectl(cp, ['get', 'crd', 'loadtests.stampede.dev', '-o', 'json'])) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return (
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
      );
    });
    await kubectl(cp, ['create', 'serviceaccount', 'reporter']);
    await kubectl(cp, ['apply', '-f', '-'], READER);
    await kubectl(
      cp,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'nightly-report', namespace: 'default' },
        data: { 'report.md': '# nightly\nverdict PASSED\n', 'summary.json': '{"verdict":"passed"}' },
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it('runs the plugin, authenticates with its token and fetches the report', async () => {
    const token = (await kubectl(cp, ['create', 'token', 'reporter', '--duration=10m'])).trim();
    const script = await plugin(dir, 'sso-login.sh', token);
    const config = join(dir, 'exec.kubeconfig');
    await writeFile(config, execKubeconfig(cp, script));
    const printed = await runCli(['report', 'nightly', '--kubeconfig', config]);
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe('# nightly\nverdict PASSED\n');
    expect(await readFile(`${script}.calls`, 'utf8')).toMatch(/called/);
    // Through $KUBECONFIG as well, writing the files.
    const out = join(dir, 'out');
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = config;
    try {
      const written = await runCli(['report', 'nightly', '--out', out]);
      expect(written.code).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toEqual({ verdict: 'passed' });
  });

  it('says what went wrong when the plugin fails or its token is refused, without a stack trace', async () => {
    const refused = join(dir, 'refused.kubeconfig');
    await writeFile(refused, execKubeconfig(cp, await plugin(dir, 'bad-token.sh', 'not-a-token')));
    const unauthorized = await runCli(['report', 'nightly', '--kubeconfig', refused]);
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toMatch(/401|Unauthorized/i);
    expect(unauthorized.stderr).not.toMatch(/\n\s+at /);

    const broken = join(dir, 'broken.sh');
    await writeFile(broken, '#!/bin/sh\necho "sso: not logged in" >&2\nexit 1\n');
    await chmod(broken, 0o755);
    const failing = join(dir, 'failing.kubeconfig');
    await writeFile(failing, execKubeconfig(cp, broken));
    const failed = await runCli(['report', 'nightly', '--kubeconfig', failing]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/credentials failed/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
