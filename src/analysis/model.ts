/**
 * The capacity-analysis part of summary.json: load levels and what they show, the target's own resources,
 * findings with their evidence, the score and a baseline comparison. Types only; each part is computed by
 * its own module in src/analysis and rendered by src/report.
 */

/** One load level: a plateau of a stepped/breakpoint scenario (or a stage plateau of a ramping one). */
export interface LevelSummary {
  index: number;
  scenario: string;
  /** 'vus' for closed models, 'rate' (iterations per second) for open ones. */
  unit: 'vus' | 'rate';
  /** The requested VUs or rate at this level. */
  load: number;
  /** 'load' while stepping up; 'recovery' for the drop back to the baseline level at the end. */
  phase: 'load' | 'recovery';
  /** Seconds from the run's start; the window the figures below were measured over. */
  fromSecond: number;
  toSecond: number;
  requests: number;
  rps: number;
  errorRate: number;
  /** Null when no request of the level was answered (or timed out): "no data", never a made-up 0 ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  generatorCpuPercent: number;
  generatorRssMb?: number;
  /** The target's own usage over the window, when spec.analysis.prometheus is set. */
  targetCpuCores?: number;
  targetMemoryMb?: number;
  /** Stop-condition expressions that held at this level. */
  stopConditionsMet: string[];
  /** Every threshold held over this level's window. */
  withinSlo: boolean;
}

/** A derived figure and how it was computed, so the report can say so. */
export interface Derived<T> {
  value: T | null;
  method: string;
}

export interface Scalability {
  levels: LevelSummary[];
  linearRange: Derived<{ fromLoad: number; toLoad: number }>;
  /**
   * p95Ms and factor are null when the level or the first level has no latency; errorRate is set when the
   * level degraded by its errors (at or above the default error budget) rather than by its latency.
   */
  degradationPoint: Derived<{
    level: number;
    load: number;
    p95Ms: number | null;
    factor: number | null;
    errorRate?: number;
  }>;
  breakingPoint: Derived<{ level: number; load: number; condition: string }>;
  recovery: Derived<{ seconds: number; recovered: boolean }>;
  capacityAtSlo: Derived<{ level: number; load: number; rps: number }>;
  rating: 'linear' | 'sublinear' | 'saturating' | 'broke' | 'insufficient-data';
  /** How the levels were measured (windows, settle time, what per-second data covers). Optional addition. */
  method?: string;
}

export interface TargetResources {
  source: { url: string; cpuQuery: string; memoryQuery: string };
  /** MB/hour of a least-squares line through the memory series over the whole run. */
  memoryGrowthMbPerHour: number | null;
  leakThresholdMbPerHour: number;
  leakSuspected: boolean;
  series: { second: number; cpuCores: number | null; memoryMb: number | null }[];
  /** Set when Prometheus could not be queried; the rest of the report still stands. */
  error?: string;
}

export interface Finding {
  /** Stable id, e.g. 'saturation', 'error-mix', 'slow-steps', 'generator-saturated', 'pg-pool-wait', 'ws-connect-failures'. */
  id: string;
  severity: 'critical' | 'warning' | 'info';
  title: string;
  /** The numbers behind the finding, one per line. */
  evidence: string[];
  /** Derived from this finding only; absent when the data suggests nothing to do. */
  recommendation?: string;
}

export interface Score {
  /** 0 to 100. */
  value: number;
  formula: string;
  parts: { name: string; points: number; max: number; why: string }[];
}

export interface ComparisonRow {
  metric: string;
  baseline: number | null;
  current: number | null;
  /** Relative change, (current - baseline) / baseline; null when either side is missing or zero. */
  change: number | null;
  /** The allowed regression as a fraction, when one was set for this metric. */
  maxRegression?: number;
  verdict: 'ok' | 'improved' | 'regressed' | 'missing';
}

export interface Comparison {
  baselineName: string;
  rows: ComparisonRow[];
  verdict: 'passed' | 'failed';
  /** Why no comparison could be made (baseline missing or unreadable); the verdict is then failed. */
  error?: string;
}

/** Optional fields added to Summary by the analysis. */
export interface SummaryAnalysis {
  scalability?: Scalability;
  targetResources?: TargetResources;
  findings?: Finding[];
  score?: Score;
  baseline?: Comparison;
}
