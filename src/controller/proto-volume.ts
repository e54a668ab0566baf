/**
 * gRPC steps' `.proto` files in a cluster: each step with `protoConfigMap` names a ConfigMap in the LoadTest's
 * namespace whose key is the base name of `proto`. Like the spec ConfigMap, they reach runners as mounted
 * files: one projected volume at PROTO_MOUNT_DIR with `<configMap>/<key>` per referenced file, and
 * STAMPEDE_PROTO_DIR telling the runner where (engine/shard-runner.ts protoPath). Pure: LoadTest in, pod parts out.
 */
import { basename } from 'node:path/posix';
import type { LoadTest, Step } from '../api/schema.js';
import { PROTO_DIR_ENV } from '../runner/config.js';

/** Read-only, beside the spec mount (/etc/stampede/spec). */
export const PROTO_MOUNT_DIR = '/etc/stampede/protos';
const VOLUME = 'protos';

export interface ProtoFile {
  configMap: string;
  key: string;
}

/** Every (ConfigMap, key) the LoadTest's grpc steps read, once each, in manifest order. */
export function protoFiles(spec: Pick<LoadTest['spec'], 'scenarios'>): ProtoFile[] {
  const seen = new Map<string, ProtoFile>();
  const walk = (steps: Step[] | undefined): void => {
    for (const step of steps ?? []) {
      const grpc = step.grpc;
      if (grpc?.protoConfigMap !== undefined) {
        const file = { configMap: grpc.protoConfigMap, key: basename(grpc.proto) };
        seen.set(`${file.configMap}/${file.key}`, file);
      }
      walk(step.steps);
      for (const c of step.choice ?? []) walk(c.steps);
    }
  };
  for (const scenario of Object.values(spec.scenarios)) {
    walk(scenario.flow);
    walk(scenario.lifecycle?.setup);
    walk(scenario.lifecycle?.refresh?.steps);
    walk(scenario.lifecycle?.teardown);
  }
  return [...seen.values()];
}

/** The runner pod's volume, mount and env for these files; nothing when there are none. */
export function protoPodParts(files: ProtoFile[]) {
  if (files.length === 0) return { volumes: [], volumeMounts: [], env: [] };
  const byConfigMap = new Map<string, string[]>();
  for (const f of files) byConfigMap.set(f.configMap, [...(byConfigMap.get(f.configMap) ?? []), f.key]);
  return {
    volumes: [
      {
        name: VOLUME,
        projected: {
          // Optional: a missing ConfigMap or key must not hold the pod in ContainerCreating until the start
          // deadline; the runner starts and the step fails every call with "cannot load <path>", in the report.
          sources: [...byConfigMap].map(([name, keys]) => ({
            configMap: { name, optional: true, items: keys.map((key) => ({ key, path: `${name}/${key}` })) },
          })),
        },
      },
    ],
    volumeMounts: [{ name: VOLUME, mountPath: PROTO_MOUNT_DIR, readOnly: true }],
    env: [{ name: PROTO_DIR_ENV, value: PROTO_MOUNT_DIR }],
  };
}
