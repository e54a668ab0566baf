import { describe, expect, it } from 'vitest';
import type { LoadTest } from '../../../src/api/schema.js';
import { runnerJob } from '../../../src/controller/builders.js';
import { PROTO_MOUNT_DIR, protoFiles, protoPodParts } from '../../../src/controller/proto-volume.js';
import { protoPath } from '../../../src/engine/shard-runner.js';
import { validateLoadTest } from '../../../src/manifest/validate.js';

const hello = (proto: string, protoConfigMap?: string) => ({
  grpc: { service: 'demo.Greeter', method: 'Hello', proto, ...(protoConfigMap ? { protoConfigMap } : {}) },
});

const manifest = (flow: unknown[], lifecycle?: unknown) => ({
  apiVersion: 'stampede.dev/v1alpha1',
  kind: 'LoadTest',
  metadata: { name: 'g' },
  spec: {
    target: { baseURL: 'grpc://127.0.0.1:50051' },
    scenarios: {
      s: { executor: 'constant-vus', vus: 1, duration: '1s', flow, ...(lifecycle ? { lifecycle } : {}) },
    },
  },
});

function valid(value: unknown): LoadTest {
  const result = validateLoadTest(value);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.loadTest;
}

describe('grpc protoConfigMap: the files runners get mounted', () => {
  it('collects every (ConfigMap, base name) once, from nested steps and lifecycle flows', () => {
    const lt = valid(
      manifest(
        [
          { name: 'a', ...hello('protos/demo.proto', 'greeter') },
          { name: 'b', ...hello('local-only.proto') },
          { repeat: 2, steps: [{ name: 'c', ...hello('demo.proto', 'greeter') }] },
          { group: 'g', steps: [{ name: 'd', ...hello('other.proto', 'greeter') }] },
        ],
        { setup: [{ name: 'e', ...hello('auth.proto', 'auth-protos') }] },
      ),
    );
    expect(protoFiles(lt.spec)).toEqual([
      { configMap: 'greeter', key: 'demo.proto' },
      { configMap: 'greeter', key: 'other.proto' },
      { configMap: 'auth-protos', key: 'auth.proto' },
    ]);
  });

  it('one projected volume, one folder per ConfigMap, optional sources, and the env the runner reads', () => {
    const parts = protoPodParts([
      { configMap: 'greeter', key: 'demo.proto' },
      { configMap: 'greeter', key: 'other.proto' },
      { configMap: 'auth-protos', key: 'auth.proto' },
    ]);
    expect(parts).toEqual({
      volumes: [
        {
          name: 'protos',
          projected: {
            sources: [
              {
                configMap: {
                  name: 'greeter',
                  optional: true,
                  items: [
                    { key: 'demo.proto', path: 'greeter/demo.proto' },
                    { key: 'other.proto', path: 'greeter/other.proto' },
                  ],
                },
              },
              {
                configMap: {
                  name: 'auth-protos',
                  optional: true,
                  items: [{ key: 'auth.proto', path: 'auth-protos/auth.proto' }],
                },
              },
            ],
          },
        },
      ],
      volumeMounts: [{ name: 'protos', mountPath: PROTO_MOUNT_DIR, readOnly: true }],
      env: [{ name: 'STAMPEDE_PROTO_DIR', value: PROTO_MOUNT_DIR }],
    });
    expect(protoPodParts([])).toEqual({ volumes: [], volumeMounts: [], env: [] });
  });

  it('runnerJob mounts them beside the spec; a job without gRPC files is unchanged', () => {
    const owned = { metadata: { name: 'g', namespace: 'perf', uid: 'u' }, spec: { runners: 1 } };
    const opts = { image: 'stampede:1', command: ['stampede', 'runner'], startDeadlineSeconds: 60 };
    const plain = runnerJob(owned, opts);
    const job = runnerJob(owned, opts, { protoFiles: [{ configMap: 'greeter', key: 'demo.proto' }] });
    const pod = job.spec?.template.spec;
    expect(pod?.volumes?.map((v) => v.name)).toEqual(['spec', 'protos']);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      '/etc/stampede/spec',
      PROTO_MOUNT_DIR,
    ]);
    expect(pod?.containers[0]?.env).toContainEqual({ name: 'STAMPEDE_PROTO_DIR', value: PROTO_MOUNT_DIR });
    expect(plain.spec?.template.spec?.volumes?.map((v) => v.name)).toEqual(['spec']);
  });

  it('the runner reads the mounted file; a local run reads proto beside the manifest', () => {
    expect(protoPath('protos/demo.proto', 'greeter', { baseDir: '/m', protoDir: '/etc/p' })).toBe(
      '/etc/p/greeter/demo.proto',
    );
    expect(protoPath('protos/demo.proto', 'greeter', { baseDir: '/m' })).toBe('/m/protos/demo.proto');
    expect(protoPath('demo.proto', undefined, { baseDir: '/m', protoDir: '/etc/p' })).toBe('/m/demo.proto');
  });

  it('refuses a proto whose base name cannot be a ConfigMap key, with its field path', () => {
    const result = validateLoadTest(
      manifest([{ name: 'a', ...hello('my protos/the demo.proto', 'greeter') }]),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContainEqual(
        expect.objectContaining({ path: 'spec.scenarios.s.flow[0].grpc.proto' }),
      );
  });
});
