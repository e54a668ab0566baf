/** Finding pods and their processes on the real node, for end-to-end tests. */
import { readFileSync } from 'node:fs';
import { pollUntil } from '../helpers/poll.js';

export interface PodJson {
  metadata: { uid: string; name: string };
  status?: {
    phase?: string;
    podIP?: string;
    qosClass?: string;
    containerStatuses?: {
      containerID?: string;
      ready?: boolean;
      state?: { running?: unknown; terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

type Kubectl = (args: string[], input?: string) => Promise<string>;

export async function listPods(kubectl: Kubectl, namespace: string, selector: string): Promise<PodJson[]> {
  const list = JSON.parse(await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as {
    items: PodJson[];
  };
  return list.items;
}

/** The first pod matching selector whose container is ready. */
export function readyPod(kubectl: Kubectl, namespace: string, selector: string, timeoutMs = 120_000) {
  return pollUntil(`a ready pod ${selector} in ${namespace}`, timeoutMs, async () =>
    (await listPods(kubectl, namespace, selector)).find((p) => p.status?.containerStatuses?.[0]?.ready),
  );
}

/** A cgroup v1 file of the pod's first container: <controller>/kubepods/<qos>/pod<uid>/<id>/<file>. */
export function cgroupFile(controller: string, pod: PodJson, file: string): string {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '') ?? '';
  const qos = pod.status?.qosClass === 'Guaranteed' ? '' : `${pod.status?.qosClass?.toLowerCase()}/`;
  return readFileSync(
    `/sys/fs/cgroup/${controller}/kubepods/${qos}pod${pod.metadata.uid}/${id}/${file}`,
    'utf8',
  ).trim();
}

/** The PID (on this host) of the container's main process. */
export const containerPid = (pod: PodJson) =>
  Number(cgroupFile('memory', pod, 'cgroup.procs').split('\n')[0]);
