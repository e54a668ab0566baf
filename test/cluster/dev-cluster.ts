/**
 * `npm run cluster`: the end-to-end environment for trying the operator by hand. Starts the real control
 * plane, the process kubelet and the Stampede controller, applies the CRD, prints how to use it, and stops
 * everything on Ctrl-C.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoTarget } from '../../src/demo/server.js';
import { ROOT, startClusterEnv } from '../e2e/cluster-env.js';

const env = await startClusterEnv();
env.startController();
const demo = await startDemoTarget({ port: 0 });
const kubeconfig = join(ROOT, '.build/kubeconfig');
writeFileSync(kubeconfig, (await import('node:fs')).readFileSync(env.cp.kubeconfigPath));
const kubectl = join(env.cp.binDir, 'kubectl');
process.stdout.write(`
Local Kubernetes control plane running (no Docker: pods run as processes on this machine).

  export KUBECONFIG=${kubeconfig}
  alias kubectl=${kubectl}
  sed 's#http://127.0.0.1:8080#${demo.url}#' examples/distributed.yaml | kubectl apply -f -
  kubectl get lt -w
  kubectl get configmap distributed-report -o jsonpath='{.data.report\\.md}'

The demo target is at ${demo.url}. Ctrl-C stops everything.
`);
const stop = async () => {
  await env.stop();
  await demo.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
