/**
 * Conditions judged on a window of per-second intervals: a breakpoint scenario's stop conditions
 * (`p(95)>1s`, `errors rate>5%`) and, per load level, the thresholds that can be judged that way. The
 * per-second intervals hold one latency histogram and counters for the whole run (every scenario and step),
 * so only untagged metrics they carry can be judged on a window.
 */
import { createIntervalHistogram } from './histogram.js';
import type { MergedInterval } from './merge.js';
import { ratePerSecond } from './seconds.js';
import {
  compare,
  parseThresholdExpression,
  parseThresholdKey,
  type ThresholdExpression,
  type ThresholdKey,
  ThresholdSyntaxError,
} from './threshold-expr.js';
import { aggregateTrend, type CompiledThreshold } from './thresholds.js';

export const WINDOW_METRICS = [
  'http_req_duration',
  'errors',
  'http_req_failed',
  'checks',
  'http_reqs',
  'iterations',
  'dropped_iterations',
] as const;

export interface WindowCondition {
  source: string;
  key: ThresholdKey;
  expression: ThresholdExpression;
}

export interface WindowValue {
  /** In the expression's unit (ms, fraction, count or per second); null with no data. */
  actual: number | null;
  held: boolean;
}

const AGGREGATION_WORDS = new Set(['avg', 'min', 'max', 'med', 'rate', 'count']);
const KEYED_RE = /^\s*([a-z_]+(?:\{[^}]*\})?)\s+(.+)$/;

/** A metric is optional: `p(95)>1s` is http_req_duration, `rate>5%` is errors, `count>...` is http_reqs. */
export function parseWindowCondition(source: string): WindowCondition {
  const keyed = KEYED_RE.exec(source);
  const first = keyed?.[1];
  let keySource: string;
  let exprSource: string;
  if (keyed && first && !AGGREGATION_WORDS.has(first)) {
    keySource = first;
    exprSource = keyed[2] as string;
  } else {
    exprSource = source;
    const word = source.trim();
    keySource = word.startsWith('rate')
      ? 'errors'
      : word.startsWith('count')
        ? 'http_reqs'
        : 'http_req_duration';
  }
  const key = parseThresholdKey(keySource);
  if (!isWindowKey(key)) {
    throw new ThresholdSyntaxError(
      `"${keySource}" cannot be judged per second; use one of ${WINDOW_METRICS.join(', ')} without tags`,
    );
  }
  return { source, key, expression: parseThresholdExpression(exprSource, key.kind) };
}

export function isWindowKey(key: ThresholdKey): boolean {
  return (WINDOW_METRICS as readonly string[]).includes(key.metric) && Object.keys(key.tags).length === 0;
}

/** The value over the window and whether the condition holds; with no data it does not hold. */
export function evaluateOnWindow(
  c: Pick<WindowCondition, 'key' | 'expression'>,
  window: readonly MergedInterval[],
): WindowValue {
  const actual = windowValue(c.key, c.expression, window);
  return { actual, held: actual !== null && compare(actual, c.expression.operator, c.expression.value) };
}

function windowValue(key: ThresholdKey, e: ThresholdExpression, window: readonly MergedInterval[]) {
  const sum = (f: (i: MergedInterval) => number) => window.reduce((n, i) => n + f(i), 0);
  switch (key.metric) {
    case 'http_req_duration': {
      const h = createIntervalHistogram();
      for (const i of window) h.add(i.duration);
      return aggregateTrend(h, e);
    }
    case 'checks': {
      const total = sum((i) => i.checksPass + i.checksFail);
      return total ? sum((i) => i.checksPass) / total : null;
    }
    case 'errors':
    case 'http_req_failed': {
      const requests = sum((i) => i.requests);
      return requests ? sum((i) => i.failures) / requests : null;
    }
    default: {
      const count =
        key.metric === 'iterations'
          ? sum((i) => i.iterations)
          : key.metric === 'dropped_iterations'
            ? sum((i) => i.dropped)
            : sum((i) => i.requests);
      return e.aggregation === 'rate' ? ratePerSecond(count, window) : count;
    }
  }
}

/**
 * Thresholds judged on a window: those that can be (untagged window metrics) pass or fail; the rest are
 * left out, and `skipped` names them.
 */
export function thresholdsOnWindow(
  thresholds: readonly CompiledThreshold[],
  window: readonly MergedInterval[],
): { passed: boolean; skipped: string[] } {
  let passed = true;
  const skipped: string[] = [];
  for (const t of thresholds) {
    if (!isWindowKey(t.key)) skipped.push(`${t.key.source} ${t.expression.source}`);
    else if (!evaluateOnWindow(t, window).held) passed = false;
  }
  return { passed, skipped };
}

/**
 * The per-second intervals lying wholly inside [fromSecond, toSecond] of the run. Interval `second: s`
 * covers the run's second (s-1, s].
 */
export function intervalsWithin<T extends { second: number }>(
  intervals: readonly T[],
  fromSecond: number,
  toSecond: number,
): T[] {
  return intervals.filter((i) => i.second - 1 >= fromSecond - 1e-6 && i.second <= toSecond + 1e-6);
}
