/**
 * `npm run cluster`: the end-to-end environment for trying the operator by hand. Starts the real control
 * plane, the real node (kubelet, containerd, the project's own image; `bash test/node/setup.sh` once
 * first), the Stampede controller and a demo target Deployment+Service in the cluster, applies the CRD,
 * prints how to use it, and stops everything on Ctrl-C.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { pollUntil, ROOT, startRealClusterEnv } from '../e2e/cluster-env.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';

const env = await startRealClusterEnv();
env.startController();
await env.kubectl(
  ['apply', '-f', '-'],
  demoTargetObjects({ namespace: 'default' })
    .map((o) => stringify(o))
    .join('---\n'),
);
const demoIP = await pollUntil('the demo target pod Ready', 120_000, async () => {
  const pods = JSON.parse(await env.kubectl(['get', 'pods', '-l', 'app=demo-target', '-o', 'json'])) as {
    items: { status?: { podIP?: string; containerStatuses?: { ready?: boolean }[] } }[];
  };
  const p = pods.items[0];
  return p?.status?.containerStatuses?.[0]?.ready ? p.status.podIP : undefined;
});
const kubeconfig = join(ROOT, '.build/kubeconfig');
writeFileSync(kubeconfig, readFileSync(env.cp.kubeconfigPath));
const kubectl = join(env.cp.binDir, 'kubectl');
// There is no kube-proxy or cluster DNS on this node: runners reach the Service's pod by its IP.
const target = `http://${demoIP}:${DEMO_PORT}`;
process.stdout.write(`
Local Kubernetes running: control plane, one real node (containerd), the Stampede controller, and the
demo target as Deployment and Service "demo-target" (pod IP ${demoIP}).

  export KUBECONFIG=${kubeconfig}
  alias kubectl=${kubectl}
  sed 's#http://127.0.0.1:8080#${target}#' examples/distributed.yaml | kubectl apply -f -
  kubectl get lt -w
  kubectl get configmap distributed-report -o jsonpath='{.data.report\\.md}'

Ctrl-C stops everything.
`);
const stop = async () => {
  await env.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
