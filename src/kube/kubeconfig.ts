/**
 * Where the API server is and how to authenticate: a kubeconfig file's current context, or the in-cluster
 * service account. Just the forms a controller and tests use (client certificates, bearer tokens, token
 * files); exec and auth-provider plugins are not supported. Kept small on purpose: loading
 * @kubernetes/client-node's KubeConfig pulls in its whole generated API (about 75 MiB of resident memory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ClusterCredentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTLSVerify?: boolean;
  /** Returns the bearer token now; token files are re-read, since service-account tokens rotate. */
  token?: () => string;
  namespace?: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server: string;
      'certificate-authority'?: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users?: {
    name: string;
    user: {
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
      token?: string;
      tokenFile?: string;
      exec?: unknown;
      'auth-provider'?: unknown;
    };
  }[];
}

export class KubeconfigError extends Error {
  readonly code = 'KUBECONFIG';
}

function material(data: string | undefined, file: string | undefined, base: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

export function loadKubeconfigFile(path: string): ClusterCredentials {
  let doc: KubeconfigFile;
  try {
    doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  } catch (error) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${(error as Error).message}`);
  }
  const base = dirname(path);
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new KubeconfigError(`kubeconfig ${path} has no current context "${contextName ?? ''}"`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster) throw new KubeconfigError(`kubeconfig ${path}: cluster "${context.cluster}" not found`);
  if (user.exec || user['auth-provider']) {
    throw new KubeconfigError(
      `kubeconfig ${path}: exec and auth-provider credentials are not supported; use a token or client certificate`,
    );
  }
  const tokenFile = user.tokenFile;
  const staticToken = user.token;
  return {
    server: cluster.server.replace(/\/$/, ''),
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority'], base),
    cert: material(user['client-certificate-data'], user['client-certificate'], base),
    key: material(user['client-key-data'], user['client-key'], base),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] ?? false,
    ...(tokenFile
      ? { token: () => readFileSync(tokenFile, 'utf8').trim() }
      : staticToken
        ? { token: () => staticToken }
        : {}),
    ...(context.namespace ? { namespace: context.namespace } : {}),
  };
}

export function inClusterCredentials(env: NodeJS.ProcessEnv = process.env): ClusterCredentials | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host || !existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(SERVICE_ACCOUNT_DIR, 'ca.crt')),
    token: () => readFileSync(join(SERVICE_ACCOUNT_DIR, 'token'), 'utf8').trim(),
    namespace: readFileSync(join(SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim(),
  };
}

/** An explicit path, else $KUBECONFIG, else in-cluster, else ~/.kube/config, like kubectl. */
export function loadCredentials(
  explicitPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): ClusterCredentials {
  if (explicitPath) return loadKubeconfigFile(explicitPath);
  const fromEnv = env.KUBECONFIG?.split(':')[0];
  if (fromEnv) return loadKubeconfigFile(fromEnv);
  const inCluster = inClusterCredentials(env);
  if (inCluster) return inCluster;
  const home = join(env.HOME ?? homedir(), '.kube/config');
  if (existsSync(home)) return loadKubeconfigFile(home);
  throw new KubeconfigError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster');
}
