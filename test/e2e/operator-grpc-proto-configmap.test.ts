import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEMO_PROTO, type DemoGrpcServer, startDemoGrpc } from '../../src/demo/grpc.js';
import type { Summary } from '../../src/report/summary.js';
import { type ClusterEnv, pollUntil, startClusterEnv } from './cluster-env.js';

/** gRPC steps whose .proto lives in a ConfigMap: the controller mounts it into the runner pods. */
describe('gRPC .proto from a ConfigMap on the real control plane', () => {
  let env: ClusterEnv;
  let grpc: DemoGrpcServer;
  beforeAll(async () => {
    env = await startClusterEnv();
    grpc = await startDemoGrpc('127.0.0.1', 0);
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await grpc?.close();
  });

  const summaryOf = async (name: string) => {
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    return JSON.parse(cm.data['summary.json'] as string) as Summary;
  };

  /** Two runners calling Hello; `proto` is a local-style path whose base name is the ConfigMap key. */
  const loadTest = (name: string, configMap: string) => ({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: 2,
      target: { baseURL: grpc.url },
      scenarios: {
        greeters: {
          executor: 'constant-vus',
          vus: 2,
          duration: '3s',
          flow: [
            {
              name: 'hello',
              grpc: {
                service: 'demo.Greeter',
                method: 'Hello',
                proto: 'protos/demo.proto',
                protoConfigMap: configMap,
                message: { name: 'user-${vu}' },
              },
              check: { grpcStatus: 'OK' },
            },
            { think: { constant: '50ms' } },
          ],
        },
      },
    },
  });

  it('runs the calls with the .proto mounted from the ConfigMap into each runner', async () => {
    await env.kubectl(['create', 'configmap', 'greeter-proto', `--from-file=${DEMO_PROTO}`]);
    await env.kubectl(['apply', '-f', '-'], stringify(loadTest('grpc-cm', 'greeter-proto')));
    const job = await pollUntil('the runner Job', 30_000, async () =>
      JSON.parse(await env.kubectl(['get', 'job', 'grpc-cm-runners', '-o', 'json'])),
    );
    const lt = await env.waitForPhase('grpc-cm', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase).toBe('Succeeded');
    const volumes = job.spec.template.spec.volumes as { name: string; projected?: unknown }[];
    expect(volumes.find((v) => v.name === 'protos')?.projected).toEqual({
      defaultMode: 420,
      sources: [
        {
          configMap: {
            name: 'greeter-proto',
            optional: true,
            items: [{ key: 'demo.proto', path: 'greeter-proto/demo.proto' }],
          },
        },
      ],
    });
    const summary = await summaryOf('grpc-cm');
    const hello = summary.steps.find((s) => s.step === 'hello');
    expect(hello).toMatchObject({ protocol: 'grpc', failures: 0 });
    expect(hello?.requests).toBeGreaterThan(10);
    expect(summary.shards).toHaveLength(2);
  }, 120_000);

  it('a missing ConfigMap still starts the runners, and the report says which file could not be loaded', async () => {
    await env.kubectl(['apply', '-f', '-'], stringify(loadTest('grpc-cm-missing', 'no-such-proto')));
    const lt = await env.waitForPhase('grpc-cm-missing', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.verdict).toBe('Failed');
    const summary = await summaryOf('grpc-cm-missing');
    const hello = summary.steps.find((s) => s.step === 'hello');
    expect(hello?.failures).toBeGreaterThan(0);
    expect(JSON.stringify(summary.errors.samples)).toContain('no-such-proto/demo.proto');
  }, 120_000);
});
