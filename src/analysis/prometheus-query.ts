/**
 * Asks Prometheus for the target's CPU and memory over the run (/api/v1/query_range). The do-part of the
 * target resources; everything it returns is shaped by target-resources.ts. Never throws: a Prometheus that
 * cannot be reached or rejects a query becomes `targetResources.error`, and the rest of the report stands.
 */
import type * as Undici from 'undici';
import type { PrometheusSpec } from '../api/schema-analysis.js';
import type { ConnectGuard } from '../protocols/connect-guard.js';
import { lazyPackage } from '../protocols/lazy-package.js';
import type { TargetResources } from './model.js';
import {
  buildTargetResources,
  type PrometheusSource,
  prometheusSource,
  type Sample,
  targetResourcesError,
} from './target-resources.js';

/** Loaded only when a run asks Prometheus (see lazy-package.ts). */
const undici = lazyPackage<typeof Undici>('undici');

/** Each query gets this long; the report waits for it, so it stays short. */
const QUERY_TIMEOUT_MS = 10_000;
/** Points per series at most; Prometheus refuses more than 11,000. */
const MAX_POINTS = 1000;

/** Prometheus's documented API error types: safe to repeat, unlike its free-text `error`. */
const PROMETHEUS_ERROR_TYPES = new Set([
  'timeout',
  'canceled',
  'execution',
  'bad_data',
  'internal',
  'unavailable',
  'not_found',
  'not_acceptable',
]);

export interface RunWindow {
  startedAtMs: number;
  finishedAtMs: number;
}

interface RangeResponse {
  status?: string;
  errorType?: string;
  data?: { resultType?: string; result?: { values?: [number, string][] }[] };
}

/** One query_range call; samples of every returned series are summed per timestamp. */
export async function queryRange(
  baseUrl: string,
  query: string,
  window: RunWindow,
  timeoutMs = QUERY_TIMEOUT_MS,
  guard?: ConnectGuard,
): Promise<Sample[]> {
  const seconds = Math.max(1, (window.finishedAtMs - window.startedAtMs) / 1000);
  const params = new URLSearchParams({
    query,
    start: (window.startedAtMs / 1000).toFixed(3),
    end: (window.finishedAtMs / 1000).toFixed(3),
    step: `${Math.max(1, Math.ceil(seconds / MAX_POINTS))}s`,
  });
  // Under a connection policy (local --allow) Prometheus is dialled like a target: IP literals checked here,
  // names at resolution by the guard's lookup.
  const refused = guard?.refuseLiteral(new URL(baseUrl).hostname);
  if (refused) throw refused;
  const dispatcher = guard ? new (undici().Agent)({ connect: { lookup: guard.lookup } }) : undefined;
  let text: string;
  let response: Undici.Dispatcher.ResponseData;
  try {
    response = await undici().request(`${baseUrl}/api/v1/query_range?${params}`, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    // Whatever answers is never echoed into a report: only the status and a fixed message (or one of
    // Prometheus's own error types), so the URL cannot be used to read a service's responses back.
    text = await response.body.text();
  } finally {
    await dispatcher?.close();
  }
  let body: RangeResponse;
  try {
    body = JSON.parse(text) as RangeResponse;
  } catch {
    throw new Error(`HTTP ${response.statusCode}: not a Prometheus answer (the body is not JSON)`);
  }
  if (response.statusCode !== 200 || body.status !== 'success') {
    const type = PROMETHEUS_ERROR_TYPES.has(body.errorType ?? '') ? ` (${body.errorType})` : '';
    throw new Error(`HTTP ${response.statusCode}: Prometheus rejected the query${type}`);
  }
  if (body.data?.resultType !== 'matrix') {
    throw new Error(`expected a range vector (matrix), got ${body.data?.resultType ?? 'nothing'}`);
  }
  const sums = new Map<number, number>();
  for (const series of body.data.result ?? []) {
    for (const [t, v] of series.values ?? []) {
      const value = Number(v);
      if (Number.isFinite(value)) sums.set(t, (sums.get(t) ?? 0) + value);
    }
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]);
}

/** The target's CPU and memory over the run, or the reason they could not be had. */
export async function queryTargetResources(
  spec: PrometheusSpec,
  loadTestNamespace: string | undefined,
  window: RunWindow,
  guard?: ConnectGuard,
): Promise<TargetResources> {
  const source: PrometheusSource = prometheusSource(spec, loadTestNamespace);
  const ask = (what: string, query: string) =>
    queryRange(spec.url.replace(/\/+$/, ''), query, window, QUERY_TIMEOUT_MS, guard).catch((error: Error) => {
      throw new Error(`${what} query to ${source.url} failed: ${describe(error)}`);
    });
  try {
    const [cpu, memoryBytes] = await Promise.all([
      ask('CPU', source.cpuQuery),
      ask('memory', source.memoryQuery),
    ]);
    if (!cpu.length && !memoryBytes.length) {
      return targetResourcesError(
        source,
        spec.leakThresholdMbPerHour,
        'Prometheus returned no samples for either query over the run; check the selector and that the target is scraped',
      );
    }
    return buildTargetResources({
      source,
      ...(spec.leakThresholdMbPerHour === undefined
        ? {}
        : { leakThresholdMbPerHour: spec.leakThresholdMbPerHour }),
      startedAtMs: window.startedAtMs,
      cpu,
      memoryBytes,
    });
  } catch (error) {
    return targetResourcesError(source, spec.leakThresholdMbPerHour, (error as Error).message);
  }
}

function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code} ${error.message}` : error.message;
}
