/** report.md: what was measured — response times by step, the open-model schedule, throughput over time, errors, per-runner results and how the numbers are made. */
import { ratePerSecond } from '../metrics/seconds.js';
import { fmtCount, fmtMs, fmtPercent, fmtRate, fmtStat, markdownTable, NO_DATA } from './format.js';
import { latencyCells, measuredNotes } from './sections-protocols.js';
import type { Summary } from './summary.js';

/** Rows of the per-second table in the report; longer runs are bucketed so the file stays readable. */
const MAX_TIMESERIES_ROWS = 60;

/** Step rows say which protocol carried them where the step's name cannot. */
const PROTOCOL_LABELS: Partial<Record<Summary['steps'][number]['protocol'], string>> = {
  http2: ' (HTTP/2)',
  grpc: ' (gRPC)',
};

export function stepsSection(s: Summary): string[] {
  return [
    '## Response times by step',
    '',
    markdownTable(
      ['Step', 'Requests', 'RPS', 'Mean', 'p50', 'p90', 'p95', 'p99', 'Max', 'Errors'],
      s.steps.map((st) => [
        `${st.scenario}/${st.step}${PROTOCOL_LABELS[st.protocol] ?? ''}`,
        fmtCount(st.requests),
        fmtRate(st.rps),
        ...latencyCells(st),
        st.failures ? `${fmtCount(st.failures)} (${fmtPercent(st.errorRate)})` : '0',
      ]),
    ),
    '',
  ];
}

/** WebSocket steps of open-model scenarios: their latency is the reply round trip, not from the schedule. */
function openWs(s: Summary): string[] {
  const open = new Set(s.scenarios.filter((sc) => sc.scheduleLag).map((sc) => sc.name));
  return s.steps
    .filter((st) => st.protocol === 'ws' && open.has(st.scenario))
    .map((st) => `${st.scenario}/${st.step}`);
}

export function openModelSection(s: Summary): string[] {
  const open = s.scenarios.filter((sc) => sc.scheduleLag);
  if (!open.length) return [];
  return [
    '### Open-model schedule',
    '',
    "Latency above counts the first HTTP or PostgreSQL step of each iteration from the iteration's scheduled start (later steps from their own send). Service time is send-to-last-byte; the gap is queueing. Schedule lag is how late the generator started iterations." +
      (openWs(s).length
        ? ` WebSocket steps (${openWs(s).join(', ')}) are timed as reply round trips, from each message's send to its reply: they do not count from the schedule, so a late start shows only in schedule lag.`
        : ''),
    '',
    markdownTable(
      ['Step', 'Latency p99', 'Service time p99'],
      s.steps
        .filter((st) => st.serviceTime)
        .map((st) => [
          `${st.scenario}/${st.step}${st.protocol === 'ws' ? ' (round trip)' : ''}`,
          fmtStat(st.latency, st.latency.p99Ms),
          fmtStat(st.serviceTime, st.serviceTime?.p99Ms),
        ]),
    ),
    '',
    markdownTable(
      ['Scenario', 'Dropped iterations', 'Schedule lag p50', 'p99', 'max'],
      open.map((sc) => [
        sc.name,
        fmtCount(sc.droppedIterations),
        fmtStat(sc.scheduleLag, sc.scheduleLag?.p50Ms),
        fmtStat(sc.scheduleLag, sc.scheduleLag?.p99Ms),
        fmtStat(sc.scheduleLag, sc.scheduleLag?.maxMs),
      ]),
    ),
    '',
  ];
}

/** The worst of per-second figures; seconds without a latency sample are null and left out. */
function worstMs(values: (number | null)[]): string {
  const measured = values.filter((v): v is number => v !== null);
  return measured.length ? fmtMs(Math.max(...measured)) : NO_DATA;
}

export function throughputSection(s: Summary): string[] {
  const out = ['## Throughput over time', ''];
  const series = s.timeseries;
  if (!series.length) return [...out, 'No complete seconds were recorded.', ''];
  // The first and last seconds are partial (ramp-in, shutdown), so the range leaves them out when it can.
  const inner = series.length > 2 ? series.slice(1, -1) : series;
  const rps = inner.map((x) => x.rps);
  out.push(
    `Mean ${fmtRate(s.totals.rps)} requests/s over ${s.durationSeconds}s; per second between ${fmtRate(Math.min(...rps))} and ${fmtRate(Math.max(...rps))}` +
      (series.length > 2 ? ' (first and last second left out: they are partial).' : '.'),
  );
  out.push('');
  out.push(timeseriesTable(s));
  out.push('');
  return out;
}

function timeseriesTable(s: Summary): string {
  const series = s.timeseries;
  const bucket = Math.max(1, Math.ceil(series.length / MAX_TIMESERIES_ROWS));
  const rows: string[][] = [];
  for (let i = 0; i < series.length; i += bucket) {
    const chunk = series.slice(i, i + bucket);
    const requests = chunk.reduce((n, x) => n + x.requests, 0);
    const failures = chunk.reduce((n, x) => n + x.failures, 0);
    const first = chunk[0] as (typeof chunk)[number];
    const last = chunk[chunk.length - 1] as (typeof chunk)[number];
    rows.push([
      bucket === 1 ? `${first.second}` : `${first.second}-${last.second}`,
      fmtRate(ratePerSecond(requests, chunk) ?? 0),
      fmtPercent(requests ? failures / requests : 0),
      // Worst second in the bucket: averaging percentiles would invent numbers.
      worstMs(chunk.map((x) => x.p95Ms)),
      worstMs(chunk.map((x) => x.p99Ms)),
      String(Math.max(...chunk.map((x) => x.vus))),
      `${Math.max(...chunk.map((x) => x.cpuPercent)).toFixed(0)}%`,
    ]);
  }
  const note =
    bucket > 1 ? `\n\nEach row covers ${bucket} seconds; percentiles are the worst second in the row.` : '';
  return markdownTable(['Second', 'RPS', 'Errors', 'p95', 'p99', 'VUs', 'Generator CPU'], rows) + note;
}

export function errorsSection(s: Summary): string[] {
  const out = ['## Error distribution', ''];
  const classes = Object.entries(s.errors.byClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  if (!classes.length) return [...out, 'No failed requests.', ''];
  const failed = classes.reduce((n, [, c]) => n + c, 0);
  out.push(
    markdownTable(
      ['Class', 'Count', 'Share of failures', 'Share of requests'],
      classes.map(([c, n]) => [
        c,
        fmtCount(n),
        fmtPercent(n / failed),
        fmtPercent(s.totals.requests ? n / s.totals.requests : 0),
      ]),
    ),
  );
  out.push('');
  out.push(
    markdownTable(
      ['Count', 'Class', 'Where', 'Message'],
      s.errors.samples
        .slice(0, 20)
        .map((e) => [fmtCount(e.count), e.class, `${e.scenario}/${e.step}`, e.message]),
    ),
  );
  out.push('');
  return out;
}

/** One row per shard (worker thread or runner pod); a single-shard run has nothing to compare. */
export function runnersSection(s: Summary): string[] {
  if (s.shards.length <= 1 && !s.shards.some((sh) => sh.lost)) return [];
  const total = s.shards.reduce((n, sh) => n + sh.requests, 0);
  return [
    '## Per-runner results',
    '',
    markdownTable(
      ['Shard', 'State', 'Elapsed', 'Requests', 'Share'],
      s.shards.map((sh) => [
        `${sh.index + 1}/${sh.total}`,
        sh.lost ? '**lost**' : sh.done ? 'done' : 'running',
        `${(sh.elapsedMs / 1000).toFixed(1)}s`,
        fmtCount(sh.requests),
        fmtPercent(total ? sh.requests / total : 0),
      ]),
    ),
    '',
  ];
}

export function methodsSection(s: Summary): string[] {
  return [
    '## How these numbers are measured',
    '',
    '- Percentiles come from HDR histograms in microseconds (3 significant digits), merged exactly across worker threads and runners; nothing is averaged across shards.',
    '- RPS is requests divided by the measured run time, not by any latency.',
    '- A request fails on a transport error (refused, reset, timeout, DNS, TLS), an HTTP status of 400 or more unless a status check allows it, or a failed check.',
    '- The generator is marked saturated when, for 3 seconds in a row (the whole run if shorter), it was busy (CPU at 50% of the cores it could use) or dropping iterations, and one signal was over its limit: CPU at 90%, event-loop delay p99 at 20 ms, or open-model schedule lag p99 at 10 ms. The affected seconds are listed. A lone bad second is noise, and lateness while the generator was mostly idle (a stalling target, a busy machine) is not its saturation.',
    ...(s.findings
      ? [
          '- Findings are rules over the figures above; each lists the numbers it used, and every recommendation comes from one finding.',
        ]
      : []),
    ...measuredNotes(s),
    '',
  ];
}
