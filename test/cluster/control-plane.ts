// A real, local Kubernetes control plane for end-to-end tests: etcd, kube-apiserver and
// kube-controller-manager as child processes on loopback, built from source by
// build-binaries.sh (no Docker here, so no kind/k3s). Like envtest, plus the controllers
// that make Jobs create Pods, garbage-collect dependents, delete namespaces and mint
// service-account tokens. There is no kubelet and no scheduler: Pods stay Pending unless a
// test harness runs them.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ControlPlane {
  /** Admin kubeconfig (client certificate in group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  binDir: string;
  /** Holds logs/*.log (kept after stop() for debugging), kubeconfig, pki/ and etcd data. */
  workDir: string;
  /** CA that signed the apiserver's serving cert and the client certs. */
  caCertPath: string;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  binDir?: string;
  workDir?: string;
  /** kube-controller-manager --controllers; see DEFAULT_CONTROLLERS. */
  controllers?: string[];
  /** Bound on each startup wait (etcd health, apiserver readyz, controllers). */
  startTimeoutMs?: number;
  /** Also run kube-scheduler (the real node needs it; the process kubelet binds pods itself). */
  scheduler?: boolean;
  /** Extra IP SANs on the apiserver's serving cert, e.g. the real node's bridge address for pods. */
  extraApiserverIPs?: string[];
}

export const BUILD_HINT = 'bash test/cluster/build-binaries.sh';
export const REQUIRED_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;

// Canonical names (the short aliases such as "job" still work in 1.36 but are legacy).
export const DEFAULT_CONTROLLERS = [
  'job-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller', // creates the "default" SA that ServiceAccount admission needs
  'serviceaccount-token-controller',
  'ttl-after-finished-controller',
  // Publishes the kube-root-ca.crt ConfigMap that every pod's projected token volume mounts.
  'root-ca-certificate-publisher-controller',
  // Fills the aggregated admin/edit/view ClusterRoles, so RBAC bindings to them mean something.
  'clusterrole-aggregation-controller',
  // Deployment -> ReplicaSet -> Pods, for Helm-installed Deployments.
  'deployment-controller',
  'replicaset-controller',
];

/** The repository root: found by walking up, so this also works when compiled into .build/ (npm run cluster). */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'test/cluster/go.mod'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no test/cluster/go.mod above ${from}`);
  }
}
const HERE = path.join(repoRoot(), 'test/cluster');

/** The Kubernetes version pinned in test/cluster/go.mod, e.g. "v1.36.3". */
export function k8sVersion(): string {
  const goMod = fs.readFileSync(path.join(HERE, 'go.mod'), 'utf8');
  const m = /^\s*k8s\.io\/kubernetes\s+(v\S+)/m.exec(goMod);
  if (!m?.[1]) throw new Error(`cannot find k8s.io/kubernetes in ${path.join(HERE, 'go.mod')}`);
  return m[1];
}

/** Same location as build-binaries.sh: ${STAMPEDE_K8S_CACHE:-~/.cache/stampede/k8s/<version>}/bin */
export function defaultBinDir(): string {
  const cache =
    process.env.STAMPEDE_K8S_CACHE || path.join(os.homedir(), '.cache/stampede/k8s', k8sVersion());
  return path.join(cache, 'bin');
}

export function missingBinaries(
  binDir = defaultBinDir(),
  names: readonly string[] = REQUIRED_BINARIES,
): string[] {
  return names.filter((b) => {
    try {
      fs.accessSync(path.join(binDir, b), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Runs kubectl against the control plane; resolves with stdout, rejects with stderr. */
export function kubectl(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      path.join(cp.binDir, 'kubectl'),
      ['--kubeconfig', cp.kubeconfigPath, ...args],
      // Discovery cache inside workDir, not in ~/.kube.
      // The CRD read back as JSON (with server-side apply's managedFields) passes execFile's 1 MiB default.
      {
        env: { ...process.env, KUBECACHEDIR: path.join(cp.workDir, 'kubectl-cache') },
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    // kubectl may exit before reading its input (a refused request): the error above says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

// ---------------------------------------------------------------------------------------

export interface Proc {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitCode: number | null | undefined; // undefined while running
}

// Children still running; killed if the test process exits without calling stop().
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function startProc(name: string, bin: string, args: string[], logDir: string): Proc {
  const logPath = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logPath, 'a');
  fs.writeSync(fd, `$ ${bin} ${args.join(' ')}\n`);
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd); // the child holds its own copy
  live.add(child);
  const proc: Proc = { name, child, logPath, exitCode: undefined, exited: Promise.resolve() };
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exitCode = code ?? (signal ? -1 : null);
      live.delete(child);
      resolve();
    });
    child.on('error', (err) => {
      fs.appendFileSync(logPath, `spawn error: ${err.message}\n`);
      proc.exitCode = -1;
      live.delete(child);
      resolve();
    });
  });
  return proc;
}

export async function stopProc(p: Proc, graceMs = 10_000): Promise<void> {
  if (p.exitCode !== undefined) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Polls check() until it returns true; fails early if proc dies, or after timeoutMs. */
export async function waitFor(what: string, proc: Proc, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== undefined) {
      throw new Error(
        `${proc.name} exited (code ${proc.exitCode}) while waiting for ${what}. ` +
          `Log ${proc.logPath}, last lines:\n${tail(proc.logPath)}`,
      );
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}. ` +
      `Log ${proc.logPath}, last lines:\n${tail(proc.logPath)}`,
  );
}

/** A port the kernel just handed out on 127.0.0.1 (tiny race until the child binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

function httpsGet(url: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: !tls.insecure,
        timeout: 5_000,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

// --- certificates ----------------------------------------------------------------------
// openssl CLI: node:crypto makes keys but cannot issue X.509 certificates. Our own minimal
// config files keep the result independent of the distribution's openssl.cnf.

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
  }
}

function issueCert(
  pki: string,
  name: string,
  subject: string,
  ext: string[], // v3 extension lines
): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], pki);
  fs.writeFileSync(
    path.join(pki, `${name}.cnf`),
    `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\n[v3]\n${ext.join('\n')}\n`,
  );
  openssl(
    ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', `${name}.cnf`, '-out', `${name}.csr`],
    pki,
  );
  openssl(
    [
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-days', '7'],
      ...['-set_serial', `0x${randomBytes(8).toString('hex')}`],
      ...['-extfile', `${name}.cnf`, '-extensions', 'v3', '-out', `${name}.crt`],
    ],
    pki,
  );
}

function makePki(pki: string, extraIPs: string[] = []): void {
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], pki);
  fs.writeFileSync(
    path.join(pki, 'ca.cnf'),
    '[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=v3\n[dn]\nCN=stampede-test-ca\n' +
      '[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' +
      'subjectKeyIdentifier=hash\n',
  );
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-config', 'ca.cnf', '-days', '7', '-out', 'ca.crt'],
    pki,
  );

  // Serving cert: loopback plus the in-cluster names and the first service IP of
  // 10.0.0.0/24, so in-cluster clients that reach the apiserver via a harness also verify.
  issueCert(pki, 'apiserver', '/CN=kube-apiserver', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,' +
      'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local' +
      extraIPs.map((ip) => `,IP:${ip}`).join(''),
  ]);
  // O=system:masters: RBAC's superuser group, bound by the bootstrap policy.
  issueCert(pki, 'admin', '/O=system:masters/CN=stampede-admin', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  // Service-account token signing key (RS256, the default algorithm everything accepts).
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], pki);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
}

function writeKubeconfig(file: string, server: string, pki: string): void {
  const b64 = (f: string) => fs.readFileSync(path.join(pki, f)).toString('base64');
  // JSON is valid YAML, so no YAML writer is needed.
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stampede', cluster: { server, 'certificate-authority-data': b64('ca.crt') } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key') },
      },
    ],
    contexts: [{ name: 'stampede', context: { cluster: 'stampede', user: 'admin', namespace: 'default' } }],
    'current-context': 'stampede',
  };
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

// --- the control plane ------------------------------------------------------------------

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? defaultBinDir();
  const missing = missingBinaries(binDir, [
    ...REQUIRED_BINARIES,
    ...(opts.scheduler ? ['kube-scheduler'] : []),
  ]);
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes binaries missing in ${binDir}: ${missing.join(', ')}. Build them once (slow, ` +
        `cached afterwards) with: ${BUILD_HINT}`,
    );
  }
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stampede-cp-'));
  const logDir = path.join(workDir, 'logs');
  const pki = path.join(workDir, 'pki');
  const etcdData = path.join(workDir, 'etcd-data');
  fs.mkdirSync(logDir, { recursive: true });
  // A reused workDir must not hand the new etcd an old cluster's data or keys.
  fs.rmSync(pki, { recursive: true, force: true });
  fs.rmSync(etcdData, { recursive: true, force: true });
  installExitHook();

  const procs: Proc[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: controllers, then apiserver, then etcd.
    for (const p of [...procs].reverse()) await stopProc(p);
    fs.rmSync(etcdData, { recursive: true, force: true });
    fs.rmSync(pki, { recursive: true, force: true });
    fs.rmSync(path.join(workDir, 'kubectl-cache'), { recursive: true, force: true });
  };

  try {
    makePki(pki, opts.extraApiserverIPs);
    const tls: TlsClient = {
      ca: fs.readFileSync(path.join(pki, 'ca.crt')),
      cert: fs.readFileSync(path.join(pki, 'admin.crt')),
      key: fs.readFileSync(path.join(pki, 'admin.key')),
    };
    const [etcdPort, peerPort, apiPort, kcmPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);

    // etcd: plain HTTP on loopback (as envtest does); one member, no fsync (test data only).
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = startProc(
      'etcd',
      path.join(binDir, 'etcd'),
      [
        `--data-dir=${etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      logDir,
    );
    procs.push(etcd);
    await waitFor('etcd /health', etcd, timeoutMs, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"');
    });

    // kube-apiserver, envtest's flags except that ServiceAccount admission stays on (our
    // controller-manager creates the default SAs, so pods get tokens as in a real cluster).
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProc(
      'kube-apiserver',
      path.join(binDir, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${pki}`,
        `--tls-cert-file=${path.join(pki, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(pki, 'apiserver.key')}`,
        `--client-ca-file=${path.join(pki, 'ca.crt')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        // The "kubernetes" Service's Endpoints may not point at a loopback address, so the
        // default reconciler would log an error every few seconds; nothing here needs it.
        '--endpoint-reconciler-type=none',
        // A real kubelet registers 127.0.0.1 as its InternalIP: logs and exec go there, not to DNS.
        '--kubelet-preferred-address-types=InternalIP',
      ],
      logDir,
    );
    procs.push(apiserver);
    await waitFor('kube-apiserver /readyz', apiserver, timeoutMs, async () => {
      const r = await httpsGet(`${server}/readyz`, tls);
      return r.status === 200;
    });

    const kubeconfigPath = path.join(workDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, server, pki);

    // kube-controller-manager with the admin kubeconfig; --use-service-account-credentials
    // makes each controller act as its own kube-system SA, under the bootstrap RBAC roles.
    const controllers = opts.controllers ?? DEFAULT_CONTROLLERS;
    const kcm = startProc(
      'kube-controller-manager',
      path.join(binDir, 'kube-controller-manager'),
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--controllers=${controllers.join(',')}`,
        '--use-service-account-credentials=true',
        `--root-ca-file=${path.join(pki, 'ca.crt')}`,
        `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
        '--leader-elect=false',
        // Its own HTTPS endpoint (healthz) on a free loopback port; the default 10257 would
        // clash between parallel control planes.
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${path.join(pki, 'kcm')}`,
        // Defaults (20 qps) throttle Job/Pod churn in load tests.
        '--kube-api-qps=100',
        '--kube-api-burst=200',
      ],
      logDir,
    );
    procs.push(kcm);
    // /healthz is always allowed unauthenticated; its cert is self-signed, hence insecure.
    await waitFor('kube-controller-manager /healthz', kcm, timeoutMs, async () => {
      const r = await httpsGet(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true });
      return r.status === 200;
    });
    // The controllers really run once the serviceaccount controller made default/default.
    if (controllers.includes('serviceaccount-controller')) {
      await waitFor(
        'ServiceAccount default/default (serviceaccount-controller)',
        kcm,
        timeoutMs,
        async () => {
          const r = await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls);
          return r.status === 200;
        },
      );
    }

    if (opts.scheduler) {
      const schedPort = await freePort();
      const scheduler = startProc(
        'kube-scheduler',
        path.join(binDir, 'kube-scheduler'),
        [
          `--kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${schedPort}`,
        ],
        logDir,
      );
      procs.push(scheduler);
      await waitFor('kube-scheduler /healthz', scheduler, timeoutMs, async () => {
        const r = await httpsGet(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true });
        return r.status === 200;
      });
    }

    return { kubeconfigPath, server, binDir, workDir, caCertPath: path.join(pki, 'ca.crt'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
