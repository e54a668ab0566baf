/**
 * spec.baseline in the cluster: the previous report the observer read, judged against this run at the end.
 * Pure: the observer hands over what it found (or why it found nothing); this checks it and decides. A
 * baseline that is not a usable summary (anyone who may write ConfigMaps in the namespace can write one)
 * fails the comparison with its reason, like a missing one, and the report is still written.
 */
import {
  compareSummaries,
  DEFAULT_BOUNDS,
  failedComparison,
  parseBounds,
  withComparison,
} from '../analysis/compare.js';
import { asSummary } from '../analysis/summary-check.js';
import type { LoadTestSpec } from '../api/schema.js';
import type { Summary } from '../report/summary.js';

/** What the observer found at spec.baseline.configMap. */
export interface ObservedBaseline {
  configMap: string;
  /** Its summary.json, parsed but not yet checked. */
  summary?: unknown;
  /** Why there is no summary: the ConfigMap is missing, or holds no summary.json or none that parses. */
  error?: string;
}

/** The summary with spec.baseline's comparison attached (and its verdict failed on a regression). */
export function judgeBaseline(
  summary: Summary,
  spec: LoadTestSpec['baseline'],
  observed: ObservedBaseline | undefined,
): Summary {
  if (!spec) return summary;
  const name = spec.configMap;
  if (observed?.summary === undefined)
    return withComparison(
      summary,
      failedComparison(name, observed?.error ?? `ConfigMap ${name} was not read`),
    );
  const baseline = asSummary(observed.summary);
  if (typeof baseline === 'string') {
    const where = summary.loadTest.namespace ? `${summary.loadTest.namespace}/${name}` : name;
    return withComparison(summary, failedComparison(name, `baseline ConfigMap ${where}: ${baseline}`));
  }
  const entries = Object.entries(spec.maxRegression ?? {}).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
  // The schema already checked these (CRD pattern and CLI validation); a bad one still fails loudly here.
  const parsed = parseBounds(entries, (m) => `spec.baseline.maxRegression.${m}`);
  if (!parsed.ok) return withComparison(summary, failedComparison(name, parsed.problems.join('; ')));
  const bounds = entries.length ? parsed.bounds : DEFAULT_BOUNDS;
  return withComparison(summary, compareSummaries(baseline, summary, bounds, name));
}
