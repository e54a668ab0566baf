/**
 * Custom metrics (`metric:` on a step) on the runner's /metrics, from the snapshot at scrape time. One family
 * per type with the metric's name as a label, so the label sets stay bounded: at most MAX_CUSTOM_METRICS
 * names (validation) times MAX_STEP_LABELS steps (label-bounds.ts; further steps fold into step="other").
 */
import { Counter, type Registry } from 'prom-client';
import { trendAt } from '../metrics/custom-metrics.js';
import { addEncoded, createHistogram, type Histogram } from '../metrics/histogram.js';
import { labeledSteps } from '../metrics/label-bounds.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';

/** Quantiles a custom trend reports (exact ones come from the merged report, not from a scrape). */
const TREND_QUANTILES = [0.5, 0.9, 0.95, 0.99];

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** Every step's custom metrics with their labels; steps past the label cap share step="other". */
const customOf = (snapshot: ShardSnapshot) =>
  labeledSteps(snapshot).flatMap((s) =>
    (s.custom ?? []).map((c) => ({ labels: { scenario: s.scenario, step: s.step, metric: c.name }, c })),
  );

interface TrendSeries {
  labels: Record<string, string>;
  values: Histogram;
  sum: number;
  samples: number;
}

/** Trends by label set: steps folded into "other" merge into one series (histograms add). */
function trendSeries(snapshot: ShardSnapshot): TrendSeries[] {
  const series = new Map<string, TrendSeries>();
  for (const { labels, c } of customOf(snapshot)) {
    if (c.type !== 'trend' || !c.valuesHdr) continue;
    const key = `${labels.scenario}\u0000${labels.step}\u0000${labels.metric}`;
    let t = series.get(key);
    if (!t) {
      t = { labels, values: createHistogram(), sum: 0, samples: 0 };
      series.set(key, t);
    }
    addEncoded(t.values, c.valuesHdr);
    t.sum += c.sum;
    t.samples += c.samples;
  }
  return [...series.values()];
}

/** Trends as a Prometheus summary: quantiles of this runner's values, their sum and count. */
function registerTrendSummary(registry: Registry, latest: () => ShardSnapshot): void {
  const name = 'stampede_custom_trend';
  const help = 'Custom trend metrics: quantiles, sum and count of the values this runner recorded.';
  const metric = {
    name,
    help,
    type: 'summary',
    aggregator: 'sum',
    labelNames: ['scenario', 'step', 'metric'],
    reset() {},
    get() {
      const values: Sample[] = [];
      for (const { labels, values: h, sum, samples } of trendSeries(latest())) {
        for (const q of TREND_QUANTILES) {
          const value = h.totalCount ? trendAt(h, q * 100) : Number.NaN;
          values.push({ labels: { ...labels, quantile: q }, value, metricName: name });
        }
        values.push({ labels, value: sum, metricName: `${name}_sum` });
        values.push({ labels, value: samples, metricName: `${name}_count` });
      }
      return { name, help, type: 'summary', values, aggregator: 'sum' };
    },
  };
  registry.registerMetric(metric as never);
}

export function registerCustomMetrics(registry: Registry, latest: () => ShardSnapshot): void {
  new Counter({
    name: 'stampede_custom_value_total',
    help: 'Custom counter metrics: the sum of the values this runner recorded.',
    labelNames: ['scenario', 'step', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, c } of customOf(latest())) if (c.type === 'counter') this.inc(labels, c.sum);
    },
  });
  new Counter({
    name: 'stampede_custom_rate_total',
    help: 'Custom rate metrics: values recorded, by result (true: not zero, false: zero).',
    labelNames: ['scenario', 'step', 'metric', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, c } of customOf(latest())) {
        if (c.type !== 'rate') continue;
        this.inc({ ...labels, result: 'true' }, c.nonZero);
        this.inc({ ...labels, result: 'false' }, c.samples - c.nonZero);
      }
    },
  });
  new Counter({
    name: 'stampede_custom_invalid_total',
    help: 'Custom metric values that were not a number (or true/false) and were not recorded.',
    labelNames: ['scenario', 'step', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, c } of customOf(latest())) if (c.invalid) this.inc(labels, c.invalid);
    },
  });
  registerTrendSummary(registry, latest);
}
