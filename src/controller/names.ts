/** Deterministic names and labels for everything a LoadTest owns, so a restarted controller finds them. */
import { createHash } from 'node:crypto';

export const LABEL_LOADTEST = 'stampede.dev/loadtest';
export const LABEL_COMPONENT = 'stampede.dev/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'stampede-controller';
export const CONTROL_PORT = 8765;

/** Kubernetes object names here must be DNS labels: at most 63 characters. */
const MAX_NAME = 63;

export function childName(loadTest: string, suffix: string): string {
  const name = `${loadTest}-${suffix}`;
  if (name.length <= MAX_NAME) return name;
  // Keep names unique when truncating: a short hash of the full name replaces the tail.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${loadTest.slice(0, MAX_NAME - suffix.length - hash.length - 2)}-${hash}-${suffix}`;
}

export const names = (loadTest: string) => ({
  job: childName(loadTest, 'runners'),
  spec: childName(loadTest, 'spec'),
  report: childName(loadTest, 'report'),
  control: childName(loadTest, 'control'),
});

/** One ConfigMap per shard holds the controller's checkpoint of what that shard reported. */
export const checkpointName = (loadTest: string, index: number) => childName(loadTest, `shard-${index}`);

export function baseLabels(loadTest: string, component: string): Record<string, string> {
  return { [LABEL_LOADTEST]: loadTest, [LABEL_COMPONENT]: component, [LABEL_MANAGED_BY]: MANAGER };
}
