/**
 * Helm install on the real node: the chart's controller Deployment runs from the project's own image as a
 * restricted container under the chart's ServiceAccount (its token mounted by the kubelet, the API reached
 * in-cluster at the `kubernetes` Service address), and a LoadTest it runs reaches Succeeded with runner
 * pods that are containers too. The load goes only to the demo target, a pod of this cluster.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultBinDir } from '../cluster/control-plane.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { containerPid, readyPod } from '../node/pods.js';
import { type RealClusterEnv, ROOT, startRealClusterEnv } from './cluster-env.js';

const CHART = join(ROOT, 'charts/stampede');
const HELM = join(defaultBinDir(), 'helm');
const RELEASE_NS = 'stampede-system';
const LOAD_NS = 'load';

function helm(args: string[]): Promise<string> {
  if (!existsSync(HELM)) throw new Error(`no helm at ${HELM}: run \`bash test/cluster/build-helm.sh\``);
  return new Promise((resolve, reject) => {
    execFile(HELM, args, { timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`helm ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('helm install on the real node', () => {
  let env: RealClusterEnv;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    for (const ns of [RELEASE_NS, LOAD_NS]) {
      await env.kubectl(['create', 'namespace', ns]);
      await env.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
    }
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
  }, 120_000);

  it('the chart controller runs in a restricted container under its ServiceAccount and runs a LoadTest', async () => {
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({ namespace: LOAD_NS })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const demo = await readyPod(env.kubectl, LOAD_NS, 'app=demo-target');
    await env.kubectl(['apply', '--server-side', '-f', join(CHART, 'crds/loadtests.stampede.dev.yaml')]);
    const rendered = await helm([
      ...['template', 'stampede', CHART, '-n', RELEASE_NS],
      ...['--set', 'image.repository=localhost/stampede', '--set', 'image.tag=dev'],
      ...['--set', 'image.pullPolicy=Never', '--set', 'runner.imagePullPolicy=Never'],
      ...['--set', 'controller.readyTimeout=30s'],
      ...['--set-json', 'targetPolicy.allowlist=["198.18.0.0/24"]'],
    ]);
    await env.kubectl(['apply', '-f', '-'], rendered);
    const controller = await readyPod(env.kubectl, RELEASE_NS, 'app.kubernetes.io/name=stampede');
    // The process really runs as 65532 with no capabilities, from the image, with the SA token mounted.
    const status = readFileSync(`/proc/${containerPid(controller)}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    const pod = JSON.parse(
      await env.kubectl(['get', 'pod', '-n', RELEASE_NS, controller.metadata.name, '-o', 'json']),
    ) as { spec: { serviceAccountName: string; containers: { volumeMounts?: { mountPath: string }[] }[] } };
    expect(pod.spec.serviceAccountName).toBe('stampede');
    expect(pod.spec.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toContain(
      '/var/run/secrets/kubernetes.io/serviceaccount',
    );

    const doc = parse(readFileSync(join(ROOT, 'examples/distributed.yaml'), 'utf8'));
    doc.metadata = { name: 'helm-ok', namespace: LOAD_NS };
    doc.spec.runners = 2;
    doc.spec.target.baseURL = `http://${demo.status?.podIP}:${DEMO_PORT}`;
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await env.waitForPhase('helm-ok', ['Succeeded', 'Failed', 'Aborted'], 120_000, LOAD_NS);
    expect(lt.status, JSON.stringify(lt.status)).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Passed',
      runners: { display: '2/2' },
    });
    // What the controller did, in its own container log (kubectl logs goes through the real kubelet).
    const log = await env.kubectl(['logs', '-n', RELEASE_NS, controller.metadata.name]);
    expect(log).toMatch(/"loadTest":"load\/helm-ok".*"phase":"Succeeded"/);
  }, 240_000);
});
