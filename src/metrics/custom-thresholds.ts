/** Thresholds on custom metrics, judged on merged steps like the built-in ones (thresholds.ts). */
import { type MergedCustomMetric, trendAt } from './custom-metrics.js';
import { createHistogram } from './histogram.js';
import type { MergedStep } from './merge.js';
import type { ThresholdExpression, ThresholdKey } from './threshold-expr.js';

export interface CustomThresholdValue {
  /** Null when nothing was recorded: no data fails, as for built-in metrics. */
  actual: number | null;
  unit: 'value' | 'ratio' | 'count' | 'per_second';
}

/** The named metric summed over the steps the key's tags select. */
export function sumCustomMetric(steps: readonly MergedStep[], name: string): MergedCustomMetric | undefined {
  let out: MergedCustomMetric | undefined;
  for (const step of steps) {
    const m = step.custom?.find((c) => c.name === name);
    if (!m) continue;
    out ??= { name, type: m.type, samples: 0, invalid: 0, sum: 0, nonZero: 0, values: undefined };
    out.samples += m.samples;
    out.invalid += m.invalid;
    out.sum += m.sum;
    out.nonZero += m.nonZero;
    if (m.values) {
      out.values ??= createHistogram();
      out.values.add(m.values);
    }
  }
  return out;
}

/** A trend aggregation in the metric's own numbers; avg is exact (sum / samples), not from the histogram. */
export function customTrendValue(m: MergedCustomMetric, e: ThresholdExpression): number | null {
  const h = m.values;
  if (!h || m.samples === 0) return null;
  if (e.aggregation === 'avg') return m.sum / m.samples;
  const percentile =
    e.aggregation === 'p'
      ? (e.percentile as number)
      : e.aggregation === 'med'
        ? 50
        : e.aggregation === 'min'
          ? 0
          : 100;
  return trendAt(h, percentile);
}

export function customThresholdValue(
  steps: readonly MergedStep[],
  key: ThresholdKey,
  e: ThresholdExpression,
  elapsedMs: number,
): CustomThresholdValue {
  const m = sumCustomMetric(steps, key.metric);
  if (key.kind === 'trend') return { actual: m ? customTrendValue(m, e) : null, unit: 'value' };
  if (key.kind === 'rate') return { actual: m?.samples ? m.nonZero / m.samples : null, unit: 'ratio' };
  if (e.aggregation === 'rate') {
    const seconds = elapsedMs / 1000;
    return { actual: m && seconds > 0 ? m.sum / seconds : null, unit: 'per_second' };
  }
  return { actual: m ? m.sum : null, unit: 'count' };
}
