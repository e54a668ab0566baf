/**
 * Threshold syntax, as k6 users know it: a key `metric{tag:value}` and expressions such as `p(95)<500ms`,
 * `avg<200`, `rate<0.01`, `rate<1%` or `count>100`. Parsing is pure and reports what is allowed.
 */

export type MetricKind = 'trend' | 'rate' | 'counter';

/** Trend values are milliseconds unless a unit is given; rates are fractions (or percent with `%`). */
export const METRICS: Record<string, { kind: MetricKind; description: string }> = {
  http_req_duration: {
    kind: 'trend',
    description: 'request latency (open models: from the scheduled start)',
  },
  http_req_service_time: { kind: 'trend', description: 'request send to last byte, without schedule lag' },
  iteration_duration: { kind: 'trend', description: 'time for one pass through the flow' },
  schedule_lag: { kind: 'trend', description: 'how late open-model iterations started' },
  ws_connect_duration: { kind: 'trend', description: 'WebSocket connect and handshake time' },
  ws_delivery_latency: {
    kind: 'trend',
    description: 'WebSocket receipt minus server timestamp (latencyFrom)',
  },
  pg_pool_wait: { kind: 'trend', description: 'PostgreSQL wait for a pooled connection' },
  pg_query_duration: { kind: 'trend', description: 'PostgreSQL query time on the connection' },
  http_req_failed: { kind: 'rate', description: 'fraction of requests that failed' },
  errors: { kind: 'rate', description: 'fraction of requests that failed (alias of http_req_failed)' },
  checks: { kind: 'rate', description: 'fraction of checks that passed' },
  http_reqs: { kind: 'counter', description: 'requests sent' },
  iterations: { kind: 'counter', description: 'iterations completed' },
  dropped_iterations: { kind: 'counter', description: 'open-model iterations not started for lack of VUs' },
};

/** A built-in metric by name; own entries only, so `constructor` or `__proto__` are not "built in". */
export function builtinMetric(name: string): { kind: MetricKind; description: string } | undefined {
  return Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
}

const AGGREGATIONS: Record<MetricKind, string[]> = {
  trend: ['p(N)', 'avg', 'min', 'max', 'med'],
  rate: ['rate'],
  counter: ['count', 'rate'],
};

const TAGS: Record<string, string[]> = {
  trend: ['scenario', 'step'],
  rate: ['scenario', 'step', 'class'],
  counter: ['scenario', 'step'],
};

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdExpression {
  source: string;
  /** `p` with `percentile`, or avg/min/max/med/rate/count. */
  aggregation: 'p' | 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count';
  percentile?: number;
  operator: Operator;
  /** Trends in milliseconds, rates as fractions, counters as counts (rate: per second). */
  value: number;
}

export interface ThresholdKey {
  source: string;
  metric: string;
  kind: MetricKind;
  tags: Record<string, string>;
  /** A custom metric (`metric:` on a step): its values have no unit. */
  custom?: true;
}

export class ThresholdSyntaxError extends Error {
  readonly code = 'THRESHOLD_SYNTAX';
}

const KEY_RE = /^([a-z_][a-z0-9_]*)(?:\{([^}]*)\})?$/;

/** Custom metrics take the tags of a step's metrics: scenario and step. */
const CUSTOM_TAGS = ['scenario', 'step'];

/** `custom`: the test's custom metrics by name (declaredCustomMetrics), thresholded like built-in ones. */
export function parseThresholdKey(
  source: string,
  custom: ReadonlyMap<string, MetricKind> = new Map(),
): ThresholdKey {
  const m = KEY_RE.exec(source.trim());
  if (!m) throw new ThresholdSyntaxError(`"${source}" is not metric or metric{tag:value}`);
  const metric = m[1] as string;
  const builtin = builtinMetric(metric);
  const customKind = builtin ? undefined : custom.get(metric);
  const def = customKind ? { kind: customKind } : builtin;
  if (!def) {
    const names = [...Object.keys(METRICS), ...custom.keys()].join(', ');
    throw new ThresholdSyntaxError(`unknown metric "${metric}"; use one of ${names}`);
  }
  const allowedTags = customKind ? CUSTOM_TAGS : (TAGS[def.kind] as string[]);
  const tags: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',').filter((p) => p.trim())) {
    const [name, ...rest] = part.split(':');
    const tag = (name ?? '').trim();
    const value = rest.join(':').trim();
    if (!tag || !value) throw new ThresholdSyntaxError(`tag "${part}" must look like name:value`);
    if (!allowedTags.includes(tag)) {
      throw new ThresholdSyntaxError(
        `tag "${tag}" is not supported on ${metric}; use ${allowedTags.join(', ')}`,
      );
    }
    tags[tag] = value;
  }
  return { source, metric, kind: def.kind, tags, ...(customKind ? { custom: true as const } : {}) };
}

const EXPR_RE =
  /^\s*(p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\)|avg|min|max|med|rate|count)\s*(<=|>=|==|!=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|%)?\s*$/;

/** `unitless`: a custom trend, whose values are plain numbers (no us, ms or s). */
export function parseThresholdExpression(
  source: string,
  kind: MetricKind,
  unitless = false,
): ThresholdExpression {
  const m = EXPR_RE.exec(source);
  const allowed = AGGREGATIONS[kind].join(', ');
  if (!m) {
    const example = kind === 'trend' ? 'p(95)<500ms' : kind === 'rate' ? 'rate<0.01' : 'count>100';
    throw new ThresholdSyntaxError(
      `"${source}" is not a threshold; write AGGREGATION OPERATOR VALUE such as ${example} (aggregations: ${allowed})`,
    );
  }
  const aggregationText = m[1] as string;
  const aggregation = (
    aggregationText.startsWith('p(') ? 'p' : aggregationText
  ) as ThresholdExpression['aggregation'];
  const permitted = AGGREGATIONS[kind].map((a) => (a === 'p(N)' ? 'p' : a));
  if (!permitted.includes(aggregation)) {
    throw new ThresholdSyntaxError(`"${aggregationText}" does not apply to a ${kind} metric; use ${allowed}`);
  }
  const percentile = aggregation === 'p' ? Number(m[2]) : undefined;
  if (percentile !== undefined && (percentile <= 0 || percentile > 100)) {
    throw new ThresholdSyntaxError(`percentile ${percentile} must be above 0 and at most 100`);
  }
  const unit = m[5];
  let value = Number(m[4]);
  if (kind === 'trend' && unitless) {
    if (unit)
      throw new ThresholdSyntaxError(`a custom trend has no unit; write the number alone in "${source}"`);
  } else if (kind === 'trend') {
    if (unit === '%')
      throw new ThresholdSyntaxError(`"%" is not a time unit in "${source}"; use us, ms or s`);
    value = unit === 's' ? value * 1000 : unit === 'us' ? value / 1000 : value;
  } else if (unit === '%') {
    if (aggregation !== 'rate' || kind !== 'rate') {
      throw new ThresholdSyntaxError(`"%" only applies to rate metrics in "${source}"`);
    }
    value /= 100;
  } else if (unit) {
    throw new ThresholdSyntaxError(`unit "${unit}" does not apply to a ${kind} metric in "${source}"`);
  }
  return {
    source,
    aggregation,
    ...(percentile !== undefined ? { percentile } : {}),
    operator: m[3] as Operator,
    value,
  };
}

export function compare(actual: number, operator: Operator, expected: number): boolean {
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
  }
}
