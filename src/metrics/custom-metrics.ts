/**
 * Custom metrics (`metric:` on a request step): a trend keeps an HDR histogram of the values, a counter their
 * sum, a rate the share of non-zero (true) values. Recorded per step like the built-in metrics, carried in
 * the step's snapshot and merged losslessly: counts and sums add, histograms add.
 */
import type { CustomMetricSpec, CustomMetricType, LoadTestSpec, Step } from '../api/schema.js';
import { addEncoded, createHistogram, encodeHistogram, HIGHEST_US, type Histogram } from './histogram.js';

/**
 * Distinct custom metric names in one test. Each name adds a series per scenario and step to /metrics (and
 * three quantiles for a trend), so the cap keeps the runner's label sets bounded.
 */
export const MAX_CUSTOM_METRICS = 20;

/**
 * Trend values are kept in thousandths in the shared histogram (1 .. 3.6e9): 0.001 to 3.6 million at
 * 3 significant digits. Smaller non-zero values are counted as 0.001, larger ones as the top.
 */
export const TREND_SCALE = 1000;
const TREND_MAX = HIGHEST_US / TREND_SCALE;

/** hdr-histogram-js's JS histograms have these; without them a percentile is the bucket's top, as for latencies. */
type Buckets = {
  lowestEquivalentValue?: (value: number) => number;
  highestEquivalentValue?: (value: number) => number;
};

/**
 * The number with the fewest significant digits in [low, high]: one histogram bucket holds every value in
 * that range, so any of them is as true as another, and the shortest is what a user recorded (a queue
 * position of 9, a ratio of 0.25) rather than the bucket's edge (9.007).
 */
export function shortestIn(low: number, high: number): number {
  if (low <= 0) return 0;
  const magnitude = Math.floor(Math.log10(low));
  for (let digits = 1; digits <= 15; digits++) {
    const step = 10 ** (magnitude - digits + 1);
    const candidate = Math.ceil(low / step) * step;
    if (candidate <= high) return Number(candidate.toPrecision(digits));
  }
  return low;
}

/** A custom trend's value at a percentile (0 = min, 100 = max), in the metric's own numbers. */
export function trendAt(h: Histogram, percentile: number): number {
  const v = h.getValueAtPercentile(percentile);
  const b = h as unknown as Buckets;
  if (!b.lowestEquivalentValue || !b.highestEquivalentValue) return v / TREND_SCALE;
  return shortestIn(b.lowestEquivalentValue.call(h, v), b.highestEquivalentValue.call(h, v)) / TREND_SCALE;
}

export interface CustomMetricSnapshot {
  name: string;
  type: CustomMetricType;
  /** Values recorded. */
  samples: number;
  /** Values that were not a number (or true/false): not recorded. */
  invalid: number;
  /** Sum of the values (a rate: of the non-zero ones counted as 1). */
  sum: number;
  /** Values that were not zero (or false); a rate's numerator. */
  nonZero: number;
  /** Trends only: the values times TREND_SCALE. */
  valuesHdr?: string;
}

export interface MergedCustomMetric {
  name: string;
  type: CustomMetricType;
  samples: number;
  invalid: number;
  sum: number;
  nonZero: number;
  /** Trends only, in thousandths (divide by TREND_SCALE). */
  values: Histogram | undefined;
}

/** A rendered template value as a number: numbers, numeric text, true/false; undefined otherwise. */
export function customValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === 'true') return 1;
  if (text === 'false') return 0;
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export class CustomMetricRecorder {
  samples = 0;
  invalid = 0;
  sum = 0;
  nonZero = 0;
  readonly values: Histogram | undefined;

  constructor(
    readonly name: string,
    readonly type: CustomMetricType,
  ) {
    this.values = type === 'trend' ? createHistogram() : undefined;
  }

  /**
   * One rendered value. Trends and counters take values >= 0 (a negative one counts as invalid: a trend's
   * histogram and a Prometheus counter cannot hold it); a rate takes anything, zero or false being a miss.
   */
  add(raw: unknown): void {
    const value = customValue(raw);
    if (value === undefined || (this.type !== 'rate' && value < 0)) {
      this.invalid++;
      return;
    }
    this.samples++;
    if (value !== 0) this.nonZero++;
    if (this.type === 'rate') this.sum += value !== 0 ? 1 : 0;
    else this.sum += value;
    if (this.values) {
      // Zero is a real value here (queue position 0), so it is recorded as 0, not clamped up to the lowest unit.
      const scaled = value === 0 ? 0 : Math.max(1, Math.round(Math.min(value, TREND_MAX) * TREND_SCALE));
      this.values.recordValue(scaled);
    }
  }

  snapshot(): CustomMetricSnapshot {
    return {
      name: this.name,
      type: this.type,
      samples: this.samples,
      invalid: this.invalid,
      sum: this.sum,
      nonZero: this.nonZero,
      ...(this.values ? { valuesHdr: encodeHistogram(this.values) } : {}),
    };
  }
}

/** Adds one step's custom metrics from a shard into the merged list (same name: same type, validation says). */
export function mergeCustomMetrics(
  into: MergedCustomMetric[] | undefined,
  from: readonly CustomMetricSnapshot[],
): MergedCustomMetric[] {
  const out = into ?? [];
  for (const c of from) {
    let m = out.find((x) => x.name === c.name);
    if (!m) {
      m = { name: c.name, type: c.type, samples: 0, invalid: 0, sum: 0, nonZero: 0, values: undefined };
      out.push(m);
    }
    m.samples += c.samples;
    m.invalid += c.invalid;
    m.sum += c.sum;
    m.nonZero += c.nonZero;
    if (c.valuesHdr) {
      m.values ??= createHistogram();
      addEncoded(m.values, c.valuesHdr);
    }
  }
  return out;
}

/** A step's custom metrics: `metric` (one) then `metrics` (a list). */
export function stepMetrics(step: Step): CustomMetricSpec[] {
  if (!step.metric) return step.metrics ?? [];
  return step.metrics ? [step.metric, ...step.metrics] : [step.metric];
}

/** Every step of a scenario's flow and lifecycle flows, nested ones included. */
function allSteps(steps: readonly Step[], out: Step[] = []): Step[] {
  for (const step of steps) {
    out.push(step);
    if (step.steps) allSteps(step.steps, out);
    for (const c of step.choice ?? []) allSteps(c.steps, out);
  }
  return out;
}

/** The custom metrics a test declares, by name, with the type first declared (validation rejects a clash). */
export function declaredCustomMetrics(spec: Pick<LoadTestSpec, 'scenarios'>): Map<string, CustomMetricType> {
  const out = new Map<string, CustomMetricType>();
  for (const scenario of Object.values(spec.scenarios ?? {})) {
    const l = scenario.lifecycle;
    const flows = [scenario.flow ?? [], l?.setup ?? [], l?.refresh?.steps ?? [], l?.teardown ?? []];
    for (const step of flows.flatMap((f) => allSteps(f))) {
      for (const m of stepMetrics(step)) if (!out.has(m.name)) out.set(m.name, m.type);
    }
  }
  return out;
}
