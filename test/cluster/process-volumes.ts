/**
 * ConfigMap volumes for the process kubelet. A process cannot have a folder mounted at an absolute path, so
 * each configMap volume's keys are written as files under the pod's work folder, and every env value that
 * names a path inside the volume's mountPath is rewritten to the same path under that folder. Enough for
 * `STAMPEDE_LOADTEST_FILE=/etc/stampede/spec/loadtest.json`; the real node mounts them for real. Projected
 * volumes of configMap sources (the grpc steps' .proto files) are written the same way, item by item; an
 * optional source whose ConfigMap or key is missing is left out, as the kubelet does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isNotFound, type KubeClient } from '../../src/kube/client.js';

interface ConfigMapSource {
  name: string;
  optional?: boolean;
  items?: { key: string; path: string }[];
}

export interface ConfigMapVolume {
  name: string;
  configMap?: ConfigMapSource;
  projected?: { sources: { configMap?: ConfigMapSource }[] };
}

/** The files a configMap source puts in its volume: every key, or its items at their paths. */
async function sourceFiles(
  client: KubeClient,
  namespace: string,
  source: ConfigMapSource,
): Promise<[string, string][]> {
  let data: Record<string, string>;
  try {
    const cm = await client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${namespace}/configmaps/${source.name}`,
    );
    data = cm.data ?? {};
  } catch (error) {
    if (source.optional && isNotFound(error)) return [];
    throw error;
  }
  if (!source.items) return Object.entries(data);
  return source.items.flatMap(({ key, path }): [string, string][] => {
    const value = data[key];
    if (value !== undefined) return [[path, value]];
    if (source.optional) return [];
    throw new Error(`configmap ${source.name} has no key ${key}`);
  });
}

export interface VolumeMount {
  name: string;
  mountPath: string;
}

/** Writes the pod's configMap volumes under dir; returns env with mounted paths rewritten. */
export async function materializeConfigMapVolumes(
  client: KubeClient,
  namespace: string,
  volumes: ConfigMapVolume[],
  mounts: VolumeMount[],
  env: Record<string, string>,
  dir: string,
): Promise<Record<string, string>> {
  const out = { ...env };
  for (const mount of mounts) {
    const volume = volumes.find((v) => v.name === mount.name);
    const sources = volume?.configMap
      ? [volume.configMap]
      : (volume?.projected?.sources ?? []).flatMap((p) => (p.configMap ? [p.configMap] : []));
    if (sources.length === 0) continue;
    const hostDir = join(dir, 'volumes', mount.name);
    mkdirSync(hostDir, { recursive: true });
    for (const source of sources) {
      for (const [path, value] of await sourceFiles(client, namespace, source)) {
        mkdirSync(dirname(join(hostDir, path)), { recursive: true });
        writeFileSync(join(hostDir, path), value);
      }
    }
    const prefix = mount.mountPath.endsWith('/') ? mount.mountPath : `${mount.mountPath}/`;
    for (const [name, value] of Object.entries(out)) {
      if (value === mount.mountPath || value.startsWith(prefix))
        out[name] = join(hostDir, value.slice(mount.mountPath.length));
    }
  }
  return out;
}
