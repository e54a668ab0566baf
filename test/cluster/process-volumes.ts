/**
 * ConfigMap volumes for the process kubelet. A process cannot have a folder mounted at an absolute path, so
 * each configMap volume's keys are written as files under the pod's work folder, and every env value that
 * names a path inside the volume's mountPath is rewritten to the same path under that folder. Enough for
 * `STAMPEDE_LOADTEST_FILE=/etc/stampede/spec/loadtest.json`; the real node mounts them for real.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../src/kube/client.js';

export interface ConfigMapVolume {
  name: string;
  configMap?: { name: string; optional?: boolean };
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
    if (!volume?.configMap) continue;
    const cm = await client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${namespace}/configmaps/${volume.configMap.name}`,
    );
    const hostDir = join(dir, 'volumes', mount.name);
    mkdirSync(hostDir, { recursive: true });
    for (const [key, value] of Object.entries(cm.data ?? {})) writeFileSync(join(hostDir, key), value);
    const prefix = mount.mountPath.endsWith('/') ? mount.mountPath : `${mount.mountPath}/`;
    for (const [name, value] of Object.entries(out)) {
      if (value === mount.mountPath || value.startsWith(prefix))
        out[name] = join(hostDir, value.slice(mount.mountPath.length));
    }
  }
  return out;
}
