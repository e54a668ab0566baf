/**
 * summary.json's text form. Inside Stampede a latency figure with no sample is 0 next to `count: 0` (the
 * reports print "no data"); in the file it is null, so a script reading p99Ms never takes "nothing
 * measured" for "0 ms". Reading a file back turns the nulls into the in-memory form again. Timeseries
 * seconds have no `count`: their figures are null in memory too (IntervalSummary) and pass through as is.
 */
import type { LatencyStats } from '../metrics/histogram.js';

const FIGURES = [
  'minMs',
  'meanMs',
  'p50Ms',
  'p90Ms',
  'p95Ms',
  'p99Ms',
  'p999Ms',
  'maxMs',
  'stddevMs',
] as const satisfies readonly (keyof LatencyStats)[];

function isLatencyShape(value: unknown): value is Record<string, unknown> & { count: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { count?: unknown }).count === 'number' &&
    'p50Ms' in value &&
    'p99Ms' in value
  );
}

function withFigures(stats: Record<string, unknown>, figure: number | null): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stats };
  for (const key of FIGURES) if (key in out) out[key] = figure;
  return out;
}

/** summary.json's text: latency figures of an empty histogram as null. */
export function summaryToJson(summary: unknown, indent?: number): string {
  return JSON.stringify(
    summary,
    (_key, value: unknown) => (isLatencyShape(value) && value.count === 0 ? withFigures(value, null) : value),
    indent,
  );
}

/** Parses summary.json's text (throws SyntaxError as JSON.parse does); nulls of empty figures become 0. */
export function summaryFromJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) =>
    isLatencyShape(value) && value.count === 0 ? withFigures(value, 0) : value,
  );
}
