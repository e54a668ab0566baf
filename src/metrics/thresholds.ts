/** Thresholds evaluated on merged data only: no shard ever decides pass/fail alone. */
import { durationUs } from '../api/duration.js';
import type { LoadTestSpec } from '../api/schema.js';
import { customThresholdValue } from './custom-thresholds.js';
import type { ErrorClass } from './error-class.js';
import { createHistogram, type Histogram } from './histogram.js';
import type { MergedRun, MergedStep } from './merge.js';
import {
  compare,
  type MetricKind,
  parseThresholdExpression,
  parseThresholdKey,
  type ThresholdExpression,
  type ThresholdKey,
} from './threshold-expr.js';

export interface CompiledThreshold {
  key: ThresholdKey;
  expression: ThresholdExpression;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

export interface ThresholdResult {
  metric: string;
  threshold: string;
  /** The measured value in the threshold's unit (ms, fraction, count or per second); null with no data. */
  actual: number | null;
  /** `value`: a custom trend's own numbers. */
  unit: 'ms' | 'ratio' | 'count' | 'per_second' | 'value';
  passed: boolean;
  abortOnFail: boolean;
}

/** Steps that are not requests (iteration-level errors) never count as request latency or rate. */
export const ITERATION_PSEUDO_STEP = '(iteration)';

/** `custom`: the test's custom metrics by name (declaredCustomMetrics(spec)). */
export function compileThresholds(
  thresholds: LoadTestSpec['thresholds'],
  custom: ReadonlyMap<string, MetricKind> = new Map(),
): CompiledThreshold[] {
  const out: CompiledThreshold[] = [];
  for (const [keySource, rules] of Object.entries(thresholds ?? {})) {
    const key = parseThresholdKey(keySource, custom);
    for (const rule of rules) {
      const text = typeof rule === 'string' ? rule : rule.threshold;
      out.push({
        key,
        expression: parseThresholdExpression(text, key.kind, key.custom),
        abortOnFail: typeof rule === 'string' ? false : (rule.abortOnFail ?? false),
        delayAbortEvalMs:
          typeof rule === 'string' || !rule.delayAbortEval ? 0 : durationUs(rule.delayAbortEval) / 1000,
      });
    }
  }
  return out;
}

export function matchingSteps(run: MergedRun, tags: Record<string, string>): MergedStep[] {
  return run.steps.filter(
    (s) =>
      (tags.scenario === undefined || s.scenario === tags.scenario) &&
      (tags.step === undefined ? s.step !== ITERATION_PSEUDO_STEP : s.step === tags.step),
  );
}

function sumHistograms(histograms: (Histogram | undefined)[]): Histogram {
  const h = createHistogram();
  for (const x of histograms) if (x) h.add(x);
  return h;
}

function trendHistogram(run: MergedRun, key: ThresholdKey): Histogram {
  const scenarios = run.scenarios.filter(
    (s) => key.tags.scenario === undefined || s.name === key.tags.scenario,
  );
  switch (key.metric) {
    case 'http_req_duration':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.duration));
    case 'http_req_service_time':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.service ?? s.duration));
    case 'iteration_duration':
      return sumHistograms(scenarios.map((s) => s.iteration));
    case 'ws_connect_duration':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.ws?.connect));
    case 'ws_delivery_latency':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.ws?.delivery));
    case 'pg_pool_wait':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.pg?.poolWait));
    case 'pg_query_duration':
      return sumHistograms(matchingSteps(run, key.tags).map((s) => s.pg?.query));
    default:
      return sumHistograms(scenarios.map((s) => s.scheduleLag));
  }
}

export function aggregateTrend(h: Histogram, e: ThresholdExpression): number | null {
  if (h.totalCount === 0) return null;
  const us =
    e.aggregation === 'p'
      ? h.getValueAtPercentile(e.percentile as number)
      : e.aggregation === 'med'
        ? h.getValueAtPercentile(50)
        : e.aggregation === 'min'
          ? h.minNonZeroValue
          : e.aggregation === 'max'
            ? h.getValueAtPercentile(100)
            : h.mean;
  return Math.round(us) / 1000;
}

function rateValue(run: MergedRun, key: ThresholdKey): number | null {
  const steps = matchingSteps(run, key.tags);
  if (key.metric === 'checks') {
    const passes = steps.reduce((n, s) => n + s.checks.passes, 0);
    const total = passes + steps.reduce((n, s) => n + s.checks.fails, 0);
    return total ? passes / total : null;
  }
  const requests = steps.reduce((n, s) => n + s.requests, 0);
  const failed = key.tags.class
    ? steps.reduce((n, s) => n + (s.errors[key.tags.class as ErrorClass] ?? 0), 0)
    : steps.reduce((n, s) => n + s.failures, 0);
  return requests ? failed / requests : null;
}

function counterValue(run: MergedRun, key: ThresholdKey): number {
  const scenarios = run.scenarios.filter(
    (s) => key.tags.scenario === undefined || s.name === key.tags.scenario,
  );
  if (key.metric === 'iterations') return scenarios.reduce((n, s) => n + s.iterations, 0);
  if (key.metric === 'dropped_iterations') return scenarios.reduce((n, s) => n + s.droppedIterations, 0);
  return matchingSteps(run, key.tags).reduce((n, s) => n + s.requests, 0);
}

export function evaluateThreshold(run: MergedRun, t: CompiledThreshold): ThresholdResult {
  const { key, expression } = t;
  let actual: number | null;
  let unit: ThresholdResult['unit'];
  if (key.custom) {
    ({ actual, unit } = customThresholdValue(matchingSteps(run, key.tags), key, expression, run.elapsedMs));
  } else if (key.kind === 'trend') {
    actual = aggregateTrend(trendHistogram(run, key), expression);
    unit = 'ms';
  } else if (key.kind === 'rate') {
    actual = rateValue(run, key);
    unit = 'ratio';
  } else {
    const count = counterValue(run, key);
    const seconds = run.elapsedMs / 1000;
    actual = expression.aggregation === 'rate' ? (seconds > 0 ? count / seconds : null) : count;
    unit = expression.aggregation === 'rate' ? 'per_second' : 'count';
  }
  // No data is a failure: a run that measured nothing must not go green.
  const passed = actual !== null && compare(actual, expression.operator, expression.value);
  return {
    metric: key.source,
    threshold: expression.source,
    actual: actual === null ? null : Math.round(actual * 1e6) / 1e6,
    unit,
    passed,
    abortOnFail: t.abortOnFail,
  };
}

export function evaluateThresholds(
  run: MergedRun,
  thresholds: readonly CompiledThreshold[],
): ThresholdResult[] {
  return thresholds.map((t) => evaluateThreshold(run, t));
}

/** The first threshold that should abort the run now, if any (respecting delayAbortEval). */
export function abortingThreshold(
  run: MergedRun,
  thresholds: readonly CompiledThreshold[],
): ThresholdResult | undefined {
  for (const t of thresholds) {
    if (!t.abortOnFail || run.elapsedMs < t.delayAbortEvalMs) continue;
    const result = evaluateThreshold(run, t);
    if (!result.passed && result.actual !== null) return result;
  }
  return undefined;
}
