/**
 * The Helm chart, charts/stampede: it lints and renders, its RBAC is exactly what the controller calls, and
 * installed on the real control plane the controller runs from the chart's Deployment under the chart's own
 * ServiceAccount (the process kubelet hands the pod a token of that account), so the chart's ClusterRole is
 * what really authorizes every call: a LoadTest runs to Succeeded, and with one verb taken away it cannot.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { defaultBinDir } from '../cluster/control-plane.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { type ClusterEnv, pollUntil, ROOT, startClusterEnv } from './cluster-env.js';

const CHART = join(ROOT, 'charts/stampede');
const HELM = join(defaultBinDir(), 'helm');
const RELEASE_NS = 'stampede-system';
/** LoadTests run here, under the restricted Pod Security profile. */
const LOAD_NS = 'load';
const SERVICE_ACCOUNT = `system:serviceaccount:${RELEASE_NS}:stampede`;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Container {
  command: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
}

function run(bin: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code ?? -1) : 0;
      if (typeof code !== 'number') reject(new Error(`${bin} ${args.join(' ')}: ${err?.message}`));
      else resolve({ code, out: stdout + stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

async function helm(args: string[]): Promise<string> {
  if (!existsSync(HELM)) throw new Error(`no helm at ${HELM}: run \`bash test/cluster/build-helm.sh\``);
  const { code, out } = await run(HELM, args);
  if (code !== 0) throw new Error(`helm ${args.join(' ')} exited ${code}:\n${out}`);
  return out;
}

const render = async (sets: string[] = []) =>
  parseAllDocuments(await helm(['template', 'stampede', CHART, '-n', RELEASE_NS, ...sets]))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);

const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

const controllerContainer = (objects: K8sObject[]) => {
  const [deployment] = find(objects, 'Deployment');
  return (deployment as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec
    .template.spec.containers[0] as Container;
};

/** Exactly the API calls in src/controller and src/kube (see stampede.controllerRules in _helpers.tpl). */
const CONTROLLER_RULES: Rule[] = [
  { apiGroups: ['stampede.dev'], resources: ['loadtests'], verbs: ['get', 'list', 'watch', 'delete'] },
  { apiGroups: ['stampede.dev'], resources: ['loadtests/status'], verbs: ['patch'] },
  { apiGroups: ['stampede.dev'], resources: ['loadtests/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
];

describe('the Helm chart renders', () => {
  it("ships the repository's generated CRD, byte for byte", () => {
    const chartCrd = readFileSync(join(CHART, 'crds/loadtests.stampede.dev.yaml'));
    const generated = readFileSync(join(ROOT, 'crds/loadtests.stampede.dev.yaml'));
    expect(
      chartCrd.equals(generated),
      'charts/stampede/crds/ is stale: cp crds/loadtests.stampede.dev.yaml charts/stampede/crds/',
    ).toBe(true);
  });

  it('passes helm lint, with defaults and with every optional part switched on', async () => {
    await helm(['lint', CHART, '--strict']);
    await helm([
      ...['lint', CHART, '--strict', '--set', 'metrics.serviceMonitor.enabled=true'],
      ...['--set', 'grafana.dashboard.enabled=true', '--set', 'watchNamespace=team-a', '--set', 'replicas=2'],
    ]);
  });

  it('grants the controller exactly the verbs it uses, cluster-wide, and no Lease access with one replica', async () => {
    const objects = await render();
    const [role] = find(objects, 'ClusterRole', `${RELEASE_NS}-stampede`);
    expect(role?.rules).toEqual(CONTROLLER_RULES);
    expect(find(objects, 'ClusterRoleBinding', `${RELEASE_NS}-stampede`)[0]).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: `${RELEASE_NS}-stampede` },
      subjects: [{ kind: 'ServiceAccount', name: 'stampede', namespace: RELEASE_NS }],
    });
    expect(find(objects, 'Role')).toEqual([]);
    for (const r of [...find(objects, 'ClusterRole'), ...find(objects, 'Role')])
      for (const rule of r.rules as Rule[]) {
        expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
      }
    const container = controllerContainer(objects);
    expect(container.command).not.toContain('--leader-elect');
    expect(find(objects, 'Deployment')[0]).toMatchObject({ spec: { strategy: { type: 'Recreate' } } });
  });

  it('with two replicas elects a leader on one named Lease in the release namespace', async () => {
    const objects = await render(['--set', 'replicas=2']);
    expect(controllerContainer(objects).command).toEqual(
      expect.arrayContaining(['--leader-elect', `--lease-namespace=${RELEASE_NS}`]),
    );
    const [lease] = find(objects, 'Role', 'stampede-leader-election');
    expect(lease).toMatchObject({ metadata: { namespace: RELEASE_NS } });
    expect(lease?.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['stampede-controller'],
        verbs: ['get', 'update'],
      },
    ]);
  });

  it('an optional NetworkPolicy lets only the controller and Prometheus reach runner pods', async () => {
    expect(find(await render(), 'NetworkPolicy')).toEqual([]);
    const objects = await render([
      ...[
        '--set',
        'networkPolicy.enabled=true',
        '--set-json',
        'networkPolicy.namespaces=["team-a","team-b"]',
      ],
    ]);
    const policies = find(objects, 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.namespace)).toEqual(['team-a', 'team-b']);
    expect(policies[0]).toMatchObject({
      spec: {
        podSelector: { matchLabels: { 'stampede.dev/component': 'runner' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': RELEASE_NS } },
                podSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller' } },
              },
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
            ],
            ports: [{ port: 8765, protocol: 'TCP' }],
          },
        ],
      },
    });
  });

  it('creating LoadTests comes only with edit/admin, which can already create Pods (see docs/security.md)', async () => {
    const objects = await render();
    const labels = (name: string) =>
      find(objects, 'ClusterRole', name)[0]?.metadata as { labels: Record<string, string> };
    const edit = labels(`${RELEASE_NS}-stampede-edit`).labels;
    expect(edit['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    expect(edit['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    expect(edit['rbac.authorization.k8s.io/aggregate-to-view']).toBeUndefined();
    const [view] = find(objects, 'ClusterRole', `${RELEASE_NS}-stampede-view`);
    expect(view?.rules).toEqual([
      { apiGroups: ['stampede.dev'], resources: ['loadtests'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('with watchNamespace grants a Role in that namespace only and passes --namespace', async () => {
    const objects = await render(['--set', 'watchNamespace=team-a']);
    expect(find(objects, 'ClusterRole').map((o) => o.metadata.name)).toEqual([
      `${RELEASE_NS}-stampede-edit`,
      `${RELEASE_NS}-stampede-view`,
    ]);
    expect(find(objects, 'ClusterRoleBinding')).toEqual([]);
    const [role] = find(objects, 'Role', 'stampede');
    expect(role).toMatchObject({ metadata: { namespace: 'team-a' }, rules: CONTROLLER_RULES });
    expect(find(objects, 'RoleBinding', 'stampede')[0]).toMatchObject({
      metadata: { namespace: 'team-a' },
      subjects: [{ kind: 'ServiceAccount', name: 'stampede', namespace: RELEASE_NS }],
    });
    expect(controllerContainer(objects).command).toContain('--namespace=team-a');
  });

  it('runs `stampede controller` restricted, with downward-API identity, probes and the target allowlist', async () => {
    const objects = await render([
      ...['--set', 'image.repository=registry.example/stampede', '--set', 'image.tag=1.2.3'],
      ...['--set-json', 'targetPolicy.allowlist=["*.svc","10.0.0.0/8"]'],
    ]);
    const [deployment] = find(objects, 'Deployment');
    const pod = (deployment as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec
      .template.spec;
    expect(pod).toMatchObject({
      serviceAccountName: 'stampede',
      automountServiceAccountToken: true,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ image: 'registry.example/stampede:1.2.3' }],
    });
    const c = controllerContainer(objects);
    expect(c.command.slice(0, 2)).toEqual(['stampede', 'controller']);
    expect(c.command).toContain('--runner-image=registry.example/stampede:1.2.3');
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({
      POD_NAME: 'metadata.name',
      POD_NAMESPACE: 'metadata.namespace',
      POD_IP: 'status.podIP',
      STAMPEDE_TARGET_ALLOWLIST: '*.svc,10.0.0.0/8',
    });
    // The key runner control tokens derive from: a chart-made Secret, read by the kubelet, not the controller.
    expect(c.env.find((e) => e.name === 'STAMPEDE_CONTROL_KEY')).toEqual({
      name: 'STAMPEDE_CONTROL_KEY',
      valueFrom: { secretKeyRef: { name: 'stampede-control-key', key: 'key' } },
    });
    const [key] = find(objects, 'Secret', 'stampede-control-key');
    expect(Buffer.from((key as unknown as { data: { key: string } }).data.key, 'base64').length).toBe(48);
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('renders monitors and the Grafana dashboard only when switched on', async () => {
    const off = await render();
    expect(off.map((o) => o.kind).filter((k) => /Monitor$/.test(k))).toEqual([]);
    expect(find(off, 'ConfigMap')).toEqual([]);
    const on = await render([
      ...['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'grafana.dashboard.enabled=true'],
    ]);
    expect(find(on, 'ServiceMonitor')).toHaveLength(1);
    expect(find(on, 'PodMonitor')[0]).toMatchObject({
      spec: { selector: { matchLabels: { 'stampede.dev/component': 'runner' } } },
    });
    const [dashboard] = find(on, 'ConfigMap', 'stampede-dashboard') as [K8sObject];
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
    // The chart packages dashboards/stampede.json unchanged (`npm run gen:dashboard` writes both).
    const packaged = (dashboard.data as Record<string, string>)['stampede.json'] as string;
    expect(JSON.parse(packaged)).toEqual(
      JSON.parse(readFileSync(join(ROOT, 'dashboards/stampede.json'), 'utf8')),
    );
  });
});

function loadTest(name: string, baseURL: string): string {
  const doc = parse(readFileSync(join(ROOT, 'examples/distributed.yaml'), 'utf8'));
  doc.metadata = { name, namespace: LOAD_NS };
  doc.spec.runners = 2;
  doc.spec.target.baseURL = baseURL;
  return stringify(doc);
}

const RUNNER_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } };
const RUNNER_TOLERATIONS = [{ key: 'dedicated', operator: 'Equal', value: 'load', effect: 'NoSchedule' }];

describe('helm install on a real control plane, under the chart RBAC', () => {
  let env: ClusterEnv;
  let target: TestServer;
  /** Everything `helm template` rendered for the install, applied with kubectl. */
  let installed: K8sObject[];
  const installArgs = [
    ...['--set', 'image.repository=stampede', '--set', 'image.tag=dev', '--set', 'replicas=2'],
    ...['--set', 'controller.readyTimeout=20s', '--set', 'controller.logLevel=debug'],
    ...['--set-json', 'targetPolicy.allowlist=["127.0.0.0/8"]'],
    ...['--set-json', `runner.resources=${JSON.stringify(RUNNER_RESOURCES)}`],
    ...['--set-json', `runner.tolerations=${JSON.stringify(RUNNER_TOLERATIONS)}`],
  ];

  beforeAll(async () => {
    env = await startClusterEnv();
    target = await startServer((req, res) => {
      if (req.url === '/api/login') return json(res, 200, { token: 't' });
      if (req.url === '/api/transaction') return json(res, 201, { ok: true });
      return json(res, 200, { items: [1, 2, 3] });
    });
  }, 120_000);
  afterAll(async () => {
    // Let the controller pods end the way a kubelet ends them before the harness goes away.
    await env
      ?.kubectl(['delete', 'deployment', 'stampede', '-n', RELEASE_NS, '--wait=false'])
      .then(() =>
        pollUntil('the controller processes to exit', 30_000, async () =>
          env.kubelet.running().some((k) => k.startsWith(`${RELEASE_NS}/`)) ? undefined : true,
        ),
      )
      .catch(() => undefined);
    await env?.stop();
    await target?.close();
  }, 60_000);

  /** `kubectl auth can-i <ask>` as the chart's ServiceAccount: "yes" or "no". */
  const canI = async (ask: string, namespace: string) =>
    (
      await run(join(env.cp.binDir, 'kubectl'), [
        ...['--kubeconfig', env.cp.kubeconfigPath, 'auth', 'can-i', ...ask.split(' ')],
        ...['-n', namespace, `--as=${SERVICE_ACCOUNT}`],
      ])
    ).out.trim();

  const controllerPods = async () =>
    (
      JSON.parse(
        await env.kubectl([
          ...['get', 'pods', '-n', RELEASE_NS, '-l', 'app.kubernetes.io/name=stampede', '-o', 'json'],
        ]),
      ) as {
        items: {
          metadata: { name: string; deletionTimestamp?: string };
          spec: { serviceAccountName: string };
          status: { conditions?: { type: string; status: string }[] };
        }[];
      }
    ).items;
  const readyPods = async () =>
    (await controllerPods()).filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  const podLog = (pod: string) => {
    const file = join(dirname(env.cp.workDir), 'pods', `${RELEASE_NS}_${pod}`, 'output.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };

  it('installs: the controller pods run under the restricted profile with the chart ServiceAccount', async () => {
    for (const ns of [RELEASE_NS, LOAD_NS]) {
      await env.kubectl(
        ['apply', '-f', '-'],
        stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
        }),
      );
    }
    // The profile is really enforced here, so pods that start below were admitted as restricted.
    const privileged = stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace: RELEASE_NS },
      spec: { containers: [{ name: 'c', image: 'stampede:dev', securityContext: { privileged: true } }] },
    });
    await expect(env.kubectl(['apply', '--dry-run=server', '-f', '-'], privileged)).rejects.toThrow(
      /violates PodSecurity "restricted/,
    );
    // Too large for client-side apply's last-applied annotation, as the chart's NOTES say.
    await env.kubectl(['apply', '--server-side', '-f', join(CHART, 'crds/loadtests.stampede.dev.yaml')]);
    installed = await render(installArgs);
    await env.kubectl(['apply', '-f', '-'], installed.map((o) => stringify(o)).join('---\n'));
    const pods = await pollUntil('2 ready controller pods', 60_000, async () => {
      const ready = await readyPods();
      return ready.length === 2 ? ready : undefined;
    });
    expect(pods.map((p) => p.spec.serviceAccountName)).toEqual(['stampede', 'stampede']);
    const holder = await pollUntil('a lease holder', 30_000, async () => {
      const lease = JSON.parse(
        await env.kubectl(['get', 'lease', 'stampede-controller', '-n', RELEASE_NS, '-o', 'json']),
      ) as { spec: { holderIdentity?: string } };
      return lease.spec.holderIdentity;
    });
    expect(pods.map((p) => p.metadata.name)).toContain(holder);
    // The pod's kubeconfig is its ServiceAccount token, not the admin certificate.
    const [pod] = pods;
    const kubeconfig = readFileSync(
      join(dirname(env.cp.workDir), 'pods', `${RELEASE_NS}_${pod?.metadata.name}`, 'kubeconfig'),
      'utf8',
    );
    expect(kubeconfig).toContain('"token"');
    expect(kubeconfig).not.toContain('client-certificate');
  }, 120_000);

  it('the ServiceAccount may do what the controller does and nothing more', async () => {
    const expected: [string, string][] = [
      ['get loadtests.stampede.dev', 'yes'],
      ['delete loadtests.stampede.dev', 'yes'],
      ['patch loadtests.stampede.dev --subresource=status', 'yes'],
      ['update loadtests.stampede.dev --subresource=finalizers', 'yes'],
      ['create jobs.batch', 'yes'],
      ['create configmaps', 'yes'],
      ['watch pods', 'yes'],
      ['create events', 'yes'],
      ['create loadtests.stampede.dev', 'no'],
      ['update loadtests.stampede.dev', 'no'],
      ['update loadtests.stampede.dev --subresource=status', 'no'],
      ['delete jobs.batch', 'no'],
      // Shard checkpoints are replaced as a run goes on (controller/checkpoints.ts).
      ['update configmaps', 'yes'],
      ['delete configmaps', 'no'],
      ['create pods', 'no'],
      ['delete pods', 'no'],
      ['create secrets', 'yes'], // each LoadTest's control token; never read back
      ['get secrets', 'no'],
      ['list secrets', 'no'],
      ['update secrets', 'no'],
      ['delete secrets', 'no'],
      ['create serviceaccounts --subresource=token', 'no'],
      ['create leases.coordination.k8s.io', 'no'], // only in the release namespace
    ];
    for (const [ask, answer] of expected)
      expect(`${ask}: ${await canI(ask, LOAD_NS)}`).toBe(`${ask}: ${answer}`);
    expect(await canI('create leases.coordination.k8s.io', RELEASE_NS)).toBe('yes');
    expect(await canI('update leases.coordination.k8s.io/stampede-controller', RELEASE_NS)).toBe('yes');
    expect(await canI('update leases.coordination.k8s.io/other', RELEASE_NS)).toBe('no');
  }, 60_000);

  it('a LoadTest reaches Succeeded with verdict Passed and a report ConfigMap', async () => {
    const name = 'helm-ok';
    await env.kubectl(['apply', '-f', '-'], loadTest(name, target.url));
    const lt = await env.waitForPhase(name, ['Succeeded', 'Failed', 'Aborted'], 90_000, LOAD_NS);
    expect(lt.status, JSON.stringify(lt.status)).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Passed',
      runners: { display: '2/2' },
      report: `${name}-report`,
    });
    const cm = JSON.parse(
      await env.kubectl(['get', 'configmap', `${name}-report`, '-n', LOAD_NS, '-o', 'json']),
    ) as { data: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual([
      'junit.xml',
      'report.html',
      'report.md',
      'summary.json',
      'timeseries.csv',
    ]);
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    expect(summary.shards).toHaveLength(2);
    expect(summary.totals.requests).toBeGreaterThan(50);
    // The chart's runner.* values reach the runner pods through the controller.
    const job = JSON.parse(
      await env.kubectl(['get', 'job', `${name}-runners`, '-n', LOAD_NS, '-o', 'json']),
    ) as { spec: { template: { spec: { tolerations?: unknown; containers: { resources?: unknown }[] } } } };
    expect(job.spec.template.spec.tolerations).toEqual(RUNNER_TOLERATIONS);
    expect(job.spec.template.spec.containers[0]?.resources).toEqual(RUNNER_RESOURCES);
  }, 120_000);

  it('a LoadTest aimed outside targetPolicy.allowlist fails before any runner starts', async () => {
    const name = 'helm-outside';
    await env.kubectl(['apply', '-f', '-'], loadTest(name, 'http://203.0.113.9:8080'));
    const lt = await env.waitForPhase(name, ['Succeeded', 'Failed', 'Aborted'], 60_000, LOAD_NS);
    expect(lt.status?.phase).toBe('Failed');
    expect(lt.status?.message).toMatch(
      /spec\.target\.baseURL: host 203\.0\.113\.9 is not allowed by the operator's target policy \(allowed: 127\.0\.0\.0\/8\)/,
    );
    const jobs = await env.kubectl([
      'get',
      'jobs',
      '-n',
      LOAD_NS,
      '-l',
      `stampede.dev/loadtest=${name}`,
      '-o',
      'name',
    ]);
    expect(jobs.trim()).toBe('');
  }, 90_000);

  it('without `create` on jobs the controller is forbidden, and the LoadTest never runs', async () => {
    const [role] = find(installed, 'ClusterRole', `${RELEASE_NS}-stampede`) as [K8sObject];
    const rules = (role.rules as Rule[]).map((r) =>
      r.resources.includes('jobs') ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') } : r,
    );
    expect(rules).not.toEqual(role.rules);
    await env.kubectl(['apply', '-f', '-'], stringify({ ...role, rules }));
    expect(await canI('create jobs.batch', LOAD_NS)).toBe('no');
    expect(await canI('create jobs.batch', 'default')).toBe('no');

    // A fresh controller under the reduced role: delete both pods; the Deployment replaces them.
    const old = (await controllerPods()).map((p) => p.metadata.name);
    await env.kubectl(['delete', 'pod', '-n', RELEASE_NS, '--wait=false', ...old]);
    const fresh = await pollUntil('2 new ready controller pods', 60_000, async () => {
      const ready = (await readyPods()).map((p) => p.metadata.name);
      return ready.length === 2 && ready.every((n) => !old.includes(n)) ? ready : undefined;
    });

    const name = 'helm-denied';
    await env.kubectl(['apply', '-f', '-'], loadTest(name, target.url));
    // The old leader's Lease must expire (15 s) before a new pod leads and reconciles.
    const forbidden = await pollUntil('a 403 creating the runner Job in a controller log', 60_000, async () =>
      fresh
        .flatMap((p) => podLog(p).split('\n'))
        .find((line) => line.includes(name) && /jobs.* 403 .*forbidden/.test(line)),
    );
    expect(forbidden).toContain(SERVICE_ACCOUNT);
    // Bounded: it keeps retrying with backoff, and it stays short of Running the whole time.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const lt = await env.getLoadTest(name, LOAD_NS);
      expect(['Running', 'Succeeded']).not.toContain(lt?.status?.phase);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const jobs = JSON.parse(
      await env.kubectl(['get', 'jobs', '-n', LOAD_NS, '-l', `stampede.dev/loadtest=${name}`, '-o', 'json']),
    ) as { items: unknown[] };
    expect(jobs.items).toEqual([]);
    expect(readdirSync(join(dirname(env.cp.workDir), 'pods')).filter((d) => d.includes(name))).toEqual([]);
  }, 150_000);
});
