/**
 * The summary model: everything a report needs, computed once from merged data (src/report/summary.ts builds
 * it). summary.json is this object. Types only, kept below src/analysis and src/report so both can read it.
 */

import type { CoresFrom } from '../metrics/cpu-quota.js';
import type { ErrorClass } from '../metrics/error-class.js';
import type { LatencyStats } from '../metrics/histogram.js';
import type { ErrorSample, LoadModel, StepProtocol } from '../metrics/snapshot.js';
import type { ThresholdResult } from '../metrics/thresholds.js';
import type { SummaryAnalysis } from './model.js';
import type { SaturationVerdict } from './saturation.js';
import type { Gate } from './verdict.js';

export const SUMMARY_SCHEMA_VERSION = 1;

/** Why the run ended. */
export type RunOutcome = 'completed' | 'aborted-by-threshold' | 'interrupted' | 'failed';

export interface StepSummary {
  scenario: string;
  step: string;
  protocol: StepProtocol;
  /** HTTP requests; WebSocket connection attempts plus replies awaited; PostgreSQL queries or transactions. */
  requests: number;
  rps: number;
  failures: number;
  errorRate: number;
  latency: LatencyStats;
  serviceTime?: LatencyStats;
  statuses: Record<string, number>;
  errors: Partial<Record<ErrorClass, number>>;
  checks: { passes: number; fails: number };
  ws?: WsSummary;
  pg?: PgSummary;
  grpc?: GrpcSummary;
}

/** A gRPC step; its `latency` runs to the response (unary) or the end of the stream; `statuses` are status names. */
export interface GrpcSummary {
  /** Response messages received: one per successful unary call, any number per stream. */
  messages: number;
  messagesPerSecond: number;
}

/** A WebSocket step's connections and messages; its `latency` is the reply round trip. */
export interface WsSummary {
  sessions: number;
  messagesSent: number;
  messagesReceived: number;
  sentPerSecond: number;
  receivedPerSecond: number;
  connectTime: LatencyStats;
  sessionDuration: LatencyStats;
  /** Receipt minus the server's timestamp (latencyFrom). */
  deliveryLatency?: LatencyStats;
}

/** A PostgreSQL step; its `latency` is pool wait plus query time. */
export interface PgSummary {
  rows: number;
  rowsPerSecond: number;
  poolWait: LatencyStats;
  queryTime: LatencyStats;
}

export interface ScenarioSummary {
  name: string;
  executor: string;
  model: LoadModel;
  plan: string;
  iterations: number;
  failedIterations: number;
  droppedIterations: number;
  interruptedIterations: number;
  peakVUs: number;
  iterationDuration: LatencyStats;
  scheduleLag?: LatencyStats;
  latency: LatencyStats;
}

export interface IntervalSummary {
  /** Interval `second: s` covers (s-1, s] seconds of the run. */
  second: number;
  /** Only on a partial last second: how long it ran, ms; its rps is over this. */
  lengthMs?: number;
  requests: number;
  rps: number;
  failures: number;
  errorRate: number;
  /** Null when no request of the second was answered (or timed out): no latency was measured, not 0 ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  vus: number;
  iterations: number;
  dropped: number;
  cpuPercent: number;
  loopDelayP99Ms: number;
  /** Generator resident memory, MB, summed over its processes. */
  rssMb?: number;
}

/** The analysis fields (levels, findings, score, baseline) are filled in by src/analysis after this. */
/**
 * A custom metric (`metric:` on a step) over the whole run, all steps that record it together: the view an
 * untagged threshold judges. Values are the metric's own numbers (no unit).
 */
export interface CustomMetricSummary {
  name: string;
  type: 'trend' | 'counter' | 'rate';
  /** scenario/step of each step that recorded it. */
  steps: string[];
  samples: number;
  /** Values that were not a number (or true/false) and were not recorded. */
  invalid: number;
  /** Counter: the sum of the values, and per second. */
  count?: number;
  perSecond?: number;
  /** Rate: share of values that were true or not zero. */
  rate?: number | null;
  /** Trend: mean (exact) and percentiles (3 significant digits); null without samples. */
  trend?: {
    mean: number;
    min: number;
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
  } | null;
}

export interface Summary extends SummaryAnalysis {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  kind: 'StampedeSummary';
  loadTest: { name: string; namespace?: string };
  target: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  outcome: RunOutcome;
  outcomeDetail?: string;
  verdict: 'passed' | 'failed';
  /** Checks every run is held to besides its thresholds (verdict.ts); any failing fails the verdict. */
  gates?: Gate[];
  /** closed: latency is service time; open: latency counts from the scheduled start (coordinated omission visible). */
  latencyModel: LoadModel | 'mixed';
  totals: {
    requests: number;
    rps: number;
    failures: number;
    errorRate: number;
    bytesIn: number;
    bytesOut: number;
    iterations: number;
    droppedIterations: number;
    interruptedIterations: number;
    checks: { passes: number; fails: number; passRate: number | null };
  };
  latency: LatencyStats;
  steps: StepSummary[];
  /** Present when the test declares custom metrics. */
  customMetrics?: CustomMetricSummary[];
  scenarios: ScenarioSummary[];
  errors: { byClass: Record<ErrorClass, number>; samples: ErrorSample[] };
  thresholds: ThresholdResult[];
  generator: SaturationVerdict & {
    processes: number;
    threads: number;
    /** Cores the generator processes could use, summed; fractional under a cgroup CPU quota. */
    cores: number;
    /** Which bound set `cores`; summaries written before it have none (read as 'cpus'). */
    coresFrom?: CoresFrom;
    meanCpuPercent: number;
  };
  shards: {
    index: number;
    total: number;
    done: boolean;
    elapsedMs: number;
    requests: number;
    lost?: boolean;
  }[];
  timeseries: IntervalSummary[];
  /** What was cut so the report fits its ConfigMap (absent when nothing was). */
  trimmed?: string[];
}
