/**
 * LoadTest conditions. Each means one thing:
 * - RunnersReady: True when every runner is ready or running; False while provisioning or when one never got
 *   ready (reason says which); Unknown before the Job exists.
 * - Started: True once the shared start time was sent to every runner.
 * - Completed: True when the report ConfigMap is written; the reason is the outcome.
 * - ThresholdsPassed: True/False on the merged data; Unknown while there is none.
 * - BaselinePassed (only with spec.baseline, set once the report is written): True when no metric regressed
 *   beyond its bound; False when one did (reason Regressed) or no comparison could be made (NoBaseline).
 * All carry observedGeneration.
 */
import type { LoadTestStatus } from '../api/status-schema.js';

export type ConditionType = 'RunnersReady' | 'Started' | 'Completed' | 'ThresholdsPassed' | 'BaselinePassed';
type Condition = NonNullable<LoadTestStatus['conditions']>[number];

export function setCondition(
  existing: readonly Condition[] | undefined,
  type: ConditionType,
  status: Condition['status'],
  reason: string,
  message: string,
  generation: number,
  now: Date,
): Condition[] {
  const previous = existing?.find((c) => c.type === type);
  const next: Condition = {
    type,
    status,
    reason,
    message: message.slice(0, 2048),
    // The transition time moves only when the status does, as Kubernetes conventions ask.
    lastTransitionTime:
      previous && previous.status === status ? previous.lastTransitionTime : now.toISOString(),
    observedGeneration: generation,
  };
  return [...(existing ?? []).filter((c) => c.type !== type), next];
}
