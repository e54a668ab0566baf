/**
 * The target's own CPU and memory, as Prometheus reported them over the run: which queries to ask, the
 * series merged per second, the memory growth rate and the per-level figures. Pure; the HTTP part is
 * prometheus-query.ts.
 */
import { redactUrl } from '../api/redact.js';
import type { PrometheusSpec } from '../api/schema-analysis.js';
import { DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR } from '../api/spec-constants.js';
import type { LevelSummary, TargetResources } from './model.js';
import type { Summary } from './summary-model.js';
import { withVerdict } from './verdict.js';

/** cAdvisor (kubelet) metrics, summed over the selected pods; container!="" drops the pod-level total. */
export const DEFAULT_CPU_QUERY =
  'sum(rate(container_cpu_usage_seconds_total{namespace="$ns",pod=~"$pod",container!=""}[1m]))';
export const DEFAULT_MEMORY_QUERY =
  'sum(container_memory_working_set_bytes{namespace="$ns",pod=~"$pod",container!=""})';
/** Memory figures are in MB of 2^20 bytes, as Kubernetes' Mi. */
export const BYTES_PER_MB = 1024 * 1024;
/** Fewer memory samples than this give no growth rate: a line through two points is no trend. */
export const MIN_GROWTH_SAMPLES = 3;

export type PrometheusSource = TargetResources['source'];

/** A label value inside double quotes in PromQL: backslashes and quotes escaped. */
const quoteSafe = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The queries to run, with $ns and $pod replaced by the selector (or its defaults). */
export function prometheusSource(
  spec: PrometheusSpec,
  loadTestNamespace: string | undefined,
): PrometheusSource {
  const ns = quoteSafe(spec.selector?.namespace ?? loadTestNamespace ?? 'default');
  const pod = quoteSafe(spec.selector?.pod ?? '.+');
  const fill = (query: string) => query.replaceAll('$ns', ns).replaceAll('$pod', pod);
  return {
    // For output only: the query itself goes to spec.url (prometheus-query.ts).
    url: redactUrl(spec.url.replace(/\/+$/, '')),
    cpuQuery: fill(spec.cpuQuery ?? DEFAULT_CPU_QUERY),
    memoryQuery: fill(spec.memoryQuery ?? DEFAULT_MEMORY_QUERY),
  };
}

/** One sample of a query_range result: unix seconds and the value (summed over the series returned). */
export type Sample = [unixSeconds: number, value: number];

export interface TargetSeriesInput {
  source: PrometheusSource;
  leakThresholdMbPerHour?: number;
  startedAtMs: number;
  cpu: Sample[];
  memoryBytes: Sample[];
}

/** Least-squares slope of y over x; null with fewer than two distinct x. */
export function leastSquaresSlope(points: { x: number; y: number }[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildTargetResources(input: TargetSeriesInput): TargetResources {
  const threshold = input.leakThresholdMbPerHour ?? DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR;
  const bySecond = new Map<number, { cpuCores: number | null; memoryMb: number | null }>();
  const secondOf = (unix: number) => Math.round(unix - input.startedAtMs / 1000);
  const row = (second: number) => {
    const existing = bySecond.get(second);
    if (existing) return existing;
    const fresh = { cpuCores: null as number | null, memoryMb: null as number | null };
    bySecond.set(second, fresh);
    return fresh;
  };
  for (const [t, v] of input.cpu) row(secondOf(t)).cpuCores = round(v, 4);
  for (const [t, v] of input.memoryBytes) row(secondOf(t)).memoryMb = round(v / BYTES_PER_MB, 3);
  const series = [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, r]) => ({ second, ...r }));
  const memory = series.flatMap((r) => (r.memoryMb === null ? [] : [{ x: r.second, y: r.memoryMb }]));
  const slopePerSecond = memory.length >= MIN_GROWTH_SAMPLES ? leastSquaresSlope(memory) : null;
  const growth = slopePerSecond === null ? null : round(slopePerSecond * 3600, 2);
  return {
    source: input.source,
    memoryGrowthMbPerHour: growth,
    leakThresholdMbPerHour: threshold,
    leakSuspected: growth !== null && growth > threshold,
    series,
  };
}

export function targetResourcesError(
  source: PrometheusSource,
  leakThresholdMbPerHour: number | undefined,
  error: string,
): TargetResources {
  return {
    source,
    memoryGrowthMbPerHour: null,
    leakThresholdMbPerHour: leakThresholdMbPerHour ?? DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR,
    leakSuspected: false,
    series: [],
    error,
  };
}

const mean = (values: number[]) =>
  values.length ? values.reduce((s, v) => s + v, 0) / values.length : undefined;

/** The target's mean CPU and memory over one level's window [fromSecond, toSecond]. */
export function levelTargetUsage(
  level: Pick<LevelSummary, 'fromSecond' | 'toSecond'>,
  series: TargetResources['series'],
): Pick<LevelSummary, 'targetCpuCores' | 'targetMemoryMb'> {
  const inside = series.filter((r) => r.second >= level.fromSecond && r.second <= level.toSecond);
  const cpu = mean(inside.flatMap((r) => (r.cpuCores === null ? [] : [r.cpuCores])));
  const memory = mean(inside.flatMap((r) => (r.memoryMb === null ? [] : [r.memoryMb])));
  return {
    ...(cpu === undefined ? {} : { targetCpuCores: round(cpu, 4) }),
    ...(memory === undefined ? {} : { targetMemoryMb: round(memory, 1) }),
  };
}

/** The summary with the target's resources attached, and each load level's share of them filled in. */
export function withTargetResources(summary: Summary, target: TargetResources): Summary {
  const scalability = summary.scalability && {
    ...summary.scalability,
    levels: summary.scalability.levels.map((l) => ({ ...l, ...levelTargetUsage(l, target.series) })),
  };
  // The target's memory budget is a gate: a suspected leak fails the verdict.
  return withVerdict({ ...summary, targetResources: target, ...(scalability ? { scalability } : {}) });
}
