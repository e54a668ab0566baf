import type { Scenario } from '../../api/schema.js';
import type { Problem } from '../../api/schema-check.js';

/** Shared by both arrival-rate executors: maxVUs may not be below preAllocatedVUs. */
export function arrivalVuProblems(spec: Scenario): Problem[] {
  if (spec.maxVUs !== undefined && spec.preAllocatedVUs !== undefined && spec.maxVUs < spec.preAllocatedVUs) {
    return [{ path: 'maxVUs', message: `must be at least preAllocatedVUs (${spec.preAllocatedVUs})` }];
  }
  return [];
}
