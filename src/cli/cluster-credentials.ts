/**
 * Credentials for CLI commands that talk to a cluster from a laptop (`stampede report`): any kubeconfig
 * kubectl accepts, loaded through @kubernetes/client-node, so exec plugins (EKS, GKE, AKS, OIDC helpers),
 * auth providers, token files and client certificates all work. The controller keeps the light loader in
 * src/kube/kubeconfig.ts; client-node is imported here only when a command needs it (it costs ~75 MiB).
 */

import { existsSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ClusterCredentials, inClusterCredentials, KubeconfigError } from '../kube/kubeconfig.js';

/** Which kubeconfig applies, like kubectl: --kubeconfig, else $KUBECONFIG, else in-cluster, else ~/.kube/config. */
function kubeconfigSource(explicitPath: string | undefined, env: NodeJS.ProcessEnv): string | 'in-cluster' {
  if (explicitPath) return explicitPath;
  if (env.KUBECONFIG) return env.KUBECONFIG;
  if (inClusterCredentials(env)) return 'in-cluster';
  const home = join(env.HOME ?? homedir(), '.kube/config');
  if (existsSync(home)) return home;
  throw new KubeconfigError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster');
}

export async function laptopCredentials(
  explicitPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClusterCredentials> {
  const source = kubeconfigSource(explicitPath, env);
  if (source === 'in-cluster') return inClusterCredentials(env) as ClusterCredentials;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    // KUBECONFIG may list several files; client-node merges them as kubectl does.
    if (explicitPath) kc.loadFromFile(explicitPath);
    else kc.loadFromDefault();
  } catch (error) {
    throw new KubeconfigError(`cannot read kubeconfig ${source}: ${(error as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeconfigError(`kubeconfig ${source} has no current context with a cluster`);
  // Runs the exec plugin or auth provider, reads token files and certificates, and fills in what to send.
  const options: RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${source}: credentials failed: ${(error as Error).message}`);
  }
  const authorization = (options.headers as Record<string, string> | undefined)?.Authorization;
  const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    server: cluster.server.replace(/\/$/, ''),
    ...(options.ca ? { ca: Buffer.from(options.ca as string | Buffer) } : {}),
    ...(options.cert ? { cert: Buffer.from(options.cert as string | Buffer) } : {}),
    ...(options.key ? { key: Buffer.from(options.key as string | Buffer) } : {}),
    insecureSkipTLSVerify: cluster.skipTLSVerify ?? false,
    // A short command: the credential the plugin returned now is good for its whole run.
    ...(token ? { token: () => token } : {}),
    ...(namespace ? { namespace } : {}),
  };
}
