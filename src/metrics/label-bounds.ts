/**
 * Bounds on the label values a runner exports to Prometheus, so one manifest cannot mint unbounded series:
 * every series costs memory in Prometheus for as long as it is retained, per runner pod.
 *   - step: the first MAX_STEP_LABELS distinct (scenario, step) pairs of a snapshot keep their names; the
 *     rest are exported as step="other" (counters summed, histograms merged). Scenarios are already bounded
 *     by the schema (LIMITS.mapEntries).
 *   - status_class: 1xx..5xx for HTTP statuses 100..599, anything else "other".
 *   - class (error class): the fixed classes, pg_<SQLSTATE class> (two characters), grpc_<status name>;
 *     anything else "other".
 * Pure; the custom-metrics exporter can reuse MAX_STEP_LABELS and OTHER_LABEL.
 */
import { GRPC_STATUS_NAMES } from '../api/grpc-status.js';
import { ERROR_CLASSES } from './error-class.js';
import type { ShardSnapshot, StepSnapshot } from './snapshot.js';

/** Distinct (scenario, step) label pairs one runner exports; with ~8 series per step this caps at ~400. */
export const MAX_STEP_LABELS = 50;
/** The label value every folded name, status or class is exported under. */
export const OTHER_LABEL = 'other';

/** A function giving each (scenario, step) its exported step label, in order of first appearance. */
export function stepLabeler(
  pairs: Iterable<{ scenario: string; step: string }>,
  max = MAX_STEP_LABELS,
): (scenario: string, step: string) => string {
  const kept = new Set<string>();
  for (const { scenario, step } of pairs) {
    if (kept.size >= max) break;
    kept.add(`${scenario}\u0000${step}`);
  }
  return (scenario, step) => (kept.has(`${scenario}\u0000${step}`) ? step : OTHER_LABEL);
}

/** "200" -> "2xx"; a status outside 100..599 (or not a number) -> "other". */
export function statusClassLabel(code: string): string {
  const n = Number(code);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? `${Math.floor(n / 100)}xx` : OTHER_LABEL;
}

const FIXED = new Set<string>(ERROR_CLASSES);
const GRPC = new Set(GRPC_STATUS_NAMES.map((n) => `grpc_${n.toLowerCase()}`));

/** An error class as exported: known classes as they are, anything else "other". */
export function errorClassLabel(errorClass: string): string {
  if (FIXED.has(errorClass) || GRPC.has(errorClass) || /^pg_[0-9A-Z]{2}$/.test(errorClass)) return errorClass;
  return OTHER_LABEL;
}

/** A snapshot's steps with their exported step label: the first MAX_STEP_LABELS pairs by name, then "other". */
export function labeledSteps(snapshot: ShardSnapshot, max = MAX_STEP_LABELS): StepSnapshot[] {
  const stepOf = stepLabeler(snapshot.steps, max);
  return snapshot.steps.map((s) => ({ ...s, step: stepOf(s.scenario, s.step) }));
}
