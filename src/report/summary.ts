/**
 * Builds the summary (src/analysis/summary-model.ts) once from merged data. summary.json is this object; the
 * markdown, CSV, JUnit and console renderers only format it.
 */
import { scalabilityOf } from '../analysis/run-scalability.js';
import { judgeSaturation } from '../analysis/saturation.js';
import {
  type RunOutcome,
  type StepSummary,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
} from '../analysis/summary-model.js';
import { withVerdict } from '../analysis/verdict.js';
import { redactUrl } from '../api/redact.js';
import type { ScenarioPlan } from '../engine/executor.js';
import { type ErrorClass, emptyErrorCounts } from '../metrics/error-class.js';
import { createHistogram, latencyStats } from '../metrics/histogram.js';
import type { MergedRun, MergedStep } from '../metrics/merge.js';
import { spanSeconds, spanWeightedMean } from '../metrics/seconds.js';
import type { LoadModel } from '../metrics/snapshot.js';
import {
  type CompiledThreshold,
  ITERATION_PSEUDO_STEP,
  type ThresholdResult,
} from '../metrics/thresholds.js';
import { customMetricSummaries } from './sections-custom.js';

export {
  type IntervalSummary,
  type PgSummary,
  type RunOutcome,
  type ScenarioSummary,
  type StepSummary,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
  type WsSummary,
} from '../analysis/summary-model.js';

export interface SummaryInput {
  name: string;
  namespace?: string;
  target: string;
  run: MergedRun;
  plans: ScenarioPlan[];
  thresholds: ThresholdResult[];
  outcome: RunOutcome;
  outcomeDetail?: string;
  finishedAtMs: number;
  lostShards?: number[];
  /** The compiled thresholds, to judge each load level against them (scalability.capacityAtSlo). */
  thresholdRules?: readonly CompiledThreshold[];
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * min(threads, cores): a thread uses at most one core, and a quota of half a core is half a core (no
 * rounding up to one, or a throttled generator never looks busy). No cores reported counts as one.
 */
function usableCoresOf(g: MergedRun['generator']): number {
  const usable = Math.min(g.threads, g.cores);
  return usable > 0 ? usable : 1;
}

export function buildSummary(input: SummaryInput): Summary {
  const { run } = input;
  const seconds = Math.max(run.elapsedMs / 1000, 1e-3);
  const steps = run.steps.filter((s) => s.step !== ITERATION_PSEUDO_STEP || s.failures > 0);
  const { overall, byClass, requests, failures, bytesIn, bytesOut, passes, fails } = stepTotals(steps);
  const describe = new Map(input.plans.map((p) => [p.scenario, p.describe]));
  const models = new Set(run.scenarios.map((s) => s.model));
  const saturation = judgeSaturation({
    intervals: run.intervals,
    usableCores: usableCoresOf(run.generator),
    coresFrom: run.generator.coresFrom,
  });
  const lost = new Set(input.lostShards ?? []);
  const scalability = scalabilityOf(run, input.plans, input.thresholdRules ?? []);
  return withVerdict({
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    kind: 'StampedeSummary',
    loadTest: { name: input.name, ...(input.namespace ? { namespace: input.namespace } : {}) },
    // Reports travel: the base URL's credentials and query values stay out of them.
    target: redactUrl(input.target),
    startedAt: new Date(run.startedAtMs).toISOString(),
    finishedAt: new Date(input.finishedAtMs).toISOString(),
    durationSeconds: round(seconds),
    outcome: input.outcome,
    ...(input.outcomeDetail ? { outcomeDetail: input.outcomeDetail } : {}),
    // Worked out with the gates by withVerdict, once the totals are known.
    verdict: 'failed',
    gates: [],
    latencyModel: models.size === 1 ? ([...models][0] as LoadModel) : 'mixed',
    totals: {
      requests,
      rps: round(requests / seconds),
      failures,
      errorRate: requests ? round(failures / requests, 6) : 0,
      bytesIn,
      bytesOut,
      iterations: run.scenarios.reduce((n, s) => n + s.iterations, 0),
      droppedIterations: run.scenarios.reduce((n, s) => n + s.droppedIterations, 0),
      interruptedIterations: run.scenarios.reduce((n, s) => n + s.interruptedIterations, 0),
      checks: { passes, fails, passRate: passes + fails ? round(passes / (passes + fails), 6) : null },
    },
    latency: latencyStats(overall),
    steps: steps.map((s) => stepSummary(s, seconds)),
    ...optional('customMetrics', customMetricSummaries(steps, seconds)),
    scenarios: run.scenarios.map((s) => scenarioSummary(s, steps, describe)),
    errors: { byClass, samples: run.errorSamples },
    thresholds: input.thresholds,
    generator: {
      ...saturation,
      processes: run.generator.processes,
      threads: run.generator.threads,
      cores: run.generator.cores,
      coresFrom: run.generator.coresFrom,
      // Weighted by each second's span: a partial last second counts for its length.
      meanCpuPercent: round(spanWeightedMean(run.intervals, (i) => i.cpuPercent) ?? 0, 1),
    },
    shards: shardSummaries(run, lost),
    timeseries: run.intervals.map(intervalSummary),
    ...(scalability ? { scalability } : {}),
  });
}

/** Sums over the reported steps: the overall latency, error classes, requests, bytes and checks. */
function stepTotals(steps: readonly MergedStep[]) {
  const overall = createHistogram();
  const byClass = emptyErrorCounts();
  let requests = 0;
  let failures = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let passes = 0;
  let fails = 0;
  for (const s of steps) {
    overall.add(s.duration);
    requests += s.requests;
    failures += s.failures;
    bytesIn += s.bytesIn;
    bytesOut += s.bytesOut;
    passes += s.checks.passes;
    fails += s.checks.fails;
    for (const [c, n] of Object.entries(s.errors))
      if (n) byClass[c as ErrorClass] = (byClass[c as ErrorClass] ?? 0) + n;
  }
  return { overall, byClass, requests, failures, bytesIn, bytesOut, passes, fails };
}

function stepSummary(s: MergedStep, seconds: number): StepSummary {
  return {
    scenario: s.scenario,
    step: s.step,
    protocol: s.protocol,
    requests: s.requests,
    rps: round(s.requests / seconds),
    failures: s.failures,
    errorRate: s.requests ? round(s.failures / s.requests, 6) : 0,
    latency: latencyStats(s.duration),
    ...(s.service ? { serviceTime: latencyStats(s.service) } : {}),
    statuses: s.statuses,
    errors: Object.fromEntries(Object.entries(s.errors).filter(([, n]) => n > 0)),
    checks: s.checks,
    ...protocolSummaries(s, seconds),
  };
}

function scenarioSummary(
  s: MergedRun['scenarios'][number],
  steps: readonly MergedStep[],
  describe: Map<string, string>,
): Summary['scenarios'][number] {
  const latency = createHistogram();
  for (const st of steps) if (st.scenario === s.name) latency.add(st.duration);
  return {
    name: s.name,
    executor: s.executor,
    model: s.model,
    plan: describe.get(s.name) ?? s.executor,
    iterations: s.iterations,
    failedIterations: s.failedIterations,
    droppedIterations: s.droppedIterations,
    interruptedIterations: s.interruptedIterations,
    peakVUs: s.peakVUs,
    iterationDuration: latencyStats(s.iteration),
    ...(s.scheduleLag ? { scheduleLag: latencyStats(s.scheduleLag) } : {}),
    latency: latencyStats(latency),
  };
}

function shardSummaries(run: MergedRun, lost: Set<number>): Summary['shards'] {
  return run.shards
    .map((s) => ({
      index: s.index,
      total: s.total,
      done: s.done,
      elapsedMs: s.elapsedMs,
      requests: s.requests,
      ...(lost.has(s.index) ? { lost: true } : {}),
    }))
    .sort((a, b) => a.index - b.index);
}

function intervalSummary(i: MergedRun['intervals'][number]): Summary['timeseries'][number] {
  const stats = latencyStats(i.duration);
  // latencyStats gives 0 for an empty histogram; a second where every request was refused measured nothing.
  const measured = stats.count > 0;
  return {
    second: i.second,
    ...(i.lengthMs !== undefined ? { lengthMs: i.lengthMs } : {}),
    requests: i.requests,
    rps: round(i.requests / spanSeconds(i)),
    failures: i.failures,
    errorRate: i.requests ? round(i.failures / i.requests, 6) : 0,
    p50Ms: measured ? stats.p50Ms : null,
    p95Ms: measured ? stats.p95Ms : null,
    p99Ms: measured ? stats.p99Ms : null,
    maxMs: measured ? stats.maxMs : null,
    vus: i.vus,
    iterations: i.iterations,
    dropped: i.dropped,
    cpuPercent: round(i.cpuPercent, 1),
    loopDelayP99Ms: i.loopDelayP99Ms,
    ...(i.rssMb !== undefined ? { rssMb: i.rssMb } : {}),
  };
}

function protocolSummaries(s: MergedStep, seconds: number): Pick<StepSummary, 'ws' | 'pg' | 'grpc'> {
  if (s.grpc) {
    return { grpc: { messages: s.grpc.messages, messagesPerSecond: round(s.grpc.messages / seconds) } };
  }
  if (s.ws) {
    return {
      ws: {
        sessions: s.ws.sessions,
        messagesSent: s.ws.messagesSent,
        messagesReceived: s.ws.messagesReceived,
        sentPerSecond: round(s.ws.messagesSent / seconds),
        receivedPerSecond: round(s.ws.messagesReceived / seconds),
        connectTime: latencyStats(s.ws.connect),
        sessionDuration: latencyStats(s.ws.session),
        ...(s.ws.delivery ? { deliveryLatency: latencyStats(s.ws.delivery) } : {}),
      },
    };
  }
  if (s.pg) {
    return {
      pg: {
        rows: s.pg.rows,
        rowsPerSecond: round(s.pg.rows / seconds),
        poolWait: latencyStats(s.pg.poolWait),
        queryTime: latencyStats(s.pg.query),
      },
    };
  }
  return {};
}
