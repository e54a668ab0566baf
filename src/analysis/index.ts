/**
 * The analysis entry points, called after buildSummary by local runs and by the controller.
 * `analyzeSummary` is pure and idempotent: it (re)computes `findings` and `score` from the rest of the
 * summary and leaves every other field alone, so it can run again once the target's resources arrive.
 */
import type { LoadTest } from '../api/schema.js';
import type { ConnectGuard } from '../protocols/connect-guard.js';
import { findBottlenecks } from './findings.js';
import { queryTargetResources } from './prometheus-query.js';
import { scoreRun } from './score.js';
import type { Summary } from './summary-model.js';
import { withTargetResources } from './target-resources.js';

export function analyzeSummary(summary: Summary): Summary {
  const findings = findBottlenecks(summary);
  return { ...summary, findings, score: scoreRun({ ...summary, findings }) };
}

/**
 * When spec.analysis.prometheus is set, asks Prometheus for the target's CPU and memory over the run and
 * re-analyzes; otherwise returns the summary as it was. Never throws (see prometheus-query.ts). With a
 * `guard` (local --allow), Prometheus is dialled only where the policy allows.
 */
export async function addTargetResources(
  summary: Summary,
  loadTest: LoadTest,
  guard?: ConnectGuard,
): Promise<Summary> {
  const spec = loadTest.spec.analysis?.prometheus;
  if (!spec) return summary;
  const window = { startedAtMs: Date.parse(summary.startedAt), finishedAtMs: Date.parse(summary.finishedAt) };
  const target = await queryTargetResources(spec, loadTest.metadata.namespace, window, guard);
  return analyzeSummary(withTargetResources(summary, target));
}
