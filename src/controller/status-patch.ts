/**
 * The status write is a JSON merge patch, where an absent key keeps the stored value. A field the decision
 * removed (a latency with no data) must be sent as null, or the apiserver would keep showing the old figure.
 * Pure.
 */
import type { LoadTestStatus } from '../api/status-schema.js';

export type StatusPatch = { [K in keyof LoadTestStatus]?: LoadTestStatus[K] | null };

/** `next`, with null for every top-level key `stored` has and `next` has no value for. */
export function statusMergePatch(stored: LoadTestStatus, next: LoadTestStatus): StatusPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) if (value !== undefined) patch[key] = value;
  for (const [key, value] of Object.entries(stored))
    if (value !== undefined && !(key in patch)) patch[key] = null;
  return patch as StatusPatch;
}
