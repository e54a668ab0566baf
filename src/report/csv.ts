/**
 * timeseries.csv: one row per second of the run. p50_ms..max_ms are empty for a second with no latency
 * sample (every request refused): the summary's null, never a 0 a spreadsheet would average in. length_ms
 * is how long the row's second was: 1000, or less for the partial second load ended in, so a spreadsheet
 * can weight per-second figures by it. New columns go last: sheets that read columns by position keep working.
 */
import { SECOND_MS } from '../metrics/seconds.js';
import type { Summary } from './summary.js';

const COLUMNS = [
  'second',
  'requests',
  'rps',
  'failures',
  'error_rate',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'max_ms',
  'vus',
  'iterations',
  'dropped_iterations',
  'cpu_percent',
  'event_loop_delay_p99_ms',
  'length_ms',
] as const;

export function renderTimeseriesCsv(s: Summary): string {
  const rows = s.timeseries.map((i) =>
    [
      i.second,
      i.requests,
      i.rps,
      i.failures,
      i.errorRate,
      i.p50Ms ?? '',
      i.p95Ms ?? '',
      i.p99Ms ?? '',
      i.maxMs ?? '',
      i.vus,
      i.iterations,
      i.dropped,
      i.cpuPercent,
      i.loopDelayP99Ms,
      i.lengthMs ?? SECOND_MS,
    ].join(','),
  );
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}
