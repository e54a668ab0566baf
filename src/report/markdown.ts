/** report.md: the run for people, with every figure traceable to how it was measured. */
import { latencyModelLine } from './console.js';
import {
  fmtBytes,
  fmtCount,
  fmtMs,
  fmtPercent,
  fmtRate,
  fmtThresholdValue,
  markdownTable,
} from './format.js';
import { renderLevelsSection } from './levels-section.js';
import { latencyCells, measuredNotes, renderPgMarkdown, renderWsMarkdown } from './protocol-sections.js';
import type { Summary } from './summary.js';

/** Rows of the per-second table in the report; longer runs are bucketed so the file stays readable. */
const MAX_TIMESERIES_ROWS = 60;

export function renderMarkdown(s: Summary): string {
  const out: string[] = [];
  out.push(`# Load test report: ${s.loadTest.name}`);
  out.push('');
  out.push(
    `**Verdict: ${s.verdict.toUpperCase()}** — ${s.outcome}${s.outcomeDetail ? ` (${s.outcomeDetail})` : ''}`,
  );
  out.push('');
  out.push(
    markdownTable(
      ['', ''],
      [
        ['Target', s.target],
        ['Started', s.startedAt],
        ['Duration', `${s.durationSeconds}s`],
        ['Requests', `${fmtCount(s.totals.requests)} (${fmtRate(s.totals.rps)}/s)`],
        ['Error rate', `${fmtPercent(s.totals.errorRate)} (${fmtCount(s.totals.failures)} failed)`],
        [
          'Latency p50 / p95 / p99',
          `${fmtMs(s.latency.p50Ms)} / ${fmtMs(s.latency.p95Ms)} / ${fmtMs(s.latency.p99Ms)}`,
        ],
        [
          'Checks',
          s.totals.checks.passRate === null
            ? 'none'
            : `${fmtPercent(s.totals.checks.passRate)} passed (${fmtCount(s.totals.checks.fails)} failed)`,
        ],
        [
          'Iterations',
          `${fmtCount(s.totals.iterations)} (${fmtCount(s.totals.droppedIterations)} dropped, ${fmtCount(s.totals.interruptedIterations)} interrupted)`,
        ],
        ['Data', `${fmtBytes(s.totals.bytesIn)} received, ${fmtBytes(s.totals.bytesOut)} sent`],
        ['Generator', s.generator.saturated ? '**SATURATED — latency figures are suspect**' : 'healthy'],
      ],
    ),
  );
  out.push('');
  out.push(latencyModelLine(s).trim());
  out.push('');

  out.push('## Configuration');
  out.push('');
  out.push(
    markdownTable(
      ['Scenario', 'Executor', 'Model', 'Plan', 'Iterations', 'Peak VUs'],
      s.scenarios.map((sc) => [
        sc.name,
        sc.executor,
        sc.model,
        sc.plan,
        fmtCount(sc.iterations),
        fmtCount(sc.peakVUs),
      ]),
    ),
  );
  out.push('');

  out.push('## Response times by step');
  out.push('');
  out.push(
    markdownTable(
      ['Step', 'Requests', 'RPS', 'Mean', 'p50', 'p90', 'p95', 'p99', 'Max', 'Errors'],
      s.steps.map((st) => [
        `${st.scenario}/${st.step}`,
        fmtCount(st.requests),
        fmtRate(st.rps),
        ...latencyCells(st),
        st.failures ? `${fmtCount(st.failures)} (${fmtPercent(st.errorRate)})` : '0',
      ]),
    ),
  );
  out.push('');
  const open = s.scenarios.filter((sc) => sc.scheduleLag);
  if (open.length) {
    out.push('### Open-model schedule');
    out.push('');
    out.push(
      "Latency above counts from each iteration's scheduled start. Service time is send-to-last-byte; the gap is queueing. Schedule lag is how late the generator started iterations.",
    );
    out.push('');
    out.push(
      markdownTable(
        ['Step', 'Latency p99', 'Service time p99'],
        s.steps
          .filter((st) => st.serviceTime)
          .map((st) => [
            `${st.scenario}/${st.step}`,
            fmtMs(st.latency.p99Ms),
            fmtMs(st.serviceTime?.p99Ms ?? 0),
          ]),
      ),
    );
    out.push('');
    out.push(
      markdownTable(
        ['Scenario', 'Dropped iterations', 'Schedule lag p50', 'p99', 'max'],
        open.map((sc) => [
          sc.name,
          fmtCount(sc.droppedIterations),
          fmtMs(sc.scheduleLag?.p50Ms ?? 0),
          fmtMs(sc.scheduleLag?.p99Ms ?? 0),
          fmtMs(sc.scheduleLag?.maxMs ?? 0),
        ]),
      ),
    );
    out.push('');
  }

  out.push(...renderWsMarkdown(s), ...renderPgMarkdown(s));
  out.push(...renderLevelsSection(s));

  out.push('## Thresholds');
  out.push('');
  out.push(
    s.thresholds.length
      ? markdownTable(
          ['Metric', 'Threshold', 'Actual', 'Status'],
          s.thresholds.map((t) => [
            t.metric,
            t.threshold + (t.abortOnFail ? ' (abortOnFail)' : ''),
            fmtThresholdValue(t.actual, t.unit),
            t.passed ? 'pass' : '**FAIL**',
          ]),
        )
      : 'No thresholds were set, so the verdict only reflects whether the run completed.',
  );
  out.push('');

  out.push('## Errors');
  out.push('');
  const classes = Object.entries(s.errors.byClass).filter(([, n]) => n > 0);
  if (!classes.length) out.push('No failed requests.');
  else {
    out.push(
      markdownTable(
        ['Class', 'Count', 'Share of requests'],
        classes.map(([c, n]) => [c, fmtCount(n), fmtPercent(s.totals.requests ? n / s.totals.requests : 0)]),
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
  }
  out.push('');

  out.push('## Over time');
  out.push('');
  out.push(renderTimeseries(s));
  out.push('');

  out.push('## Generator health');
  out.push('');
  out.push(
    `${s.generator.threads} load thread(s) in ${s.generator.processes} process(es) on ${s.generator.cores} core(s). ` +
      `CPU mean ${s.generator.meanCpuPercent}%, max ${s.generator.maxCpuPercent}% (percent of one core). ` +
      `Worst per-second event-loop delay p99: ${s.generator.maxLoopDelayP99Ms} ms.`,
  );
  if (s.generator.saturated) {
    out.push('');
    out.push('**The generator was saturated; its latency figures include its own queueing:**');
    out.push('');
    for (const r of s.generator.reasons) out.push(`- ${r}`);
  }
  out.push('');
  if (s.shards.length > 1 || s.shards.some((sh) => sh.lost)) {
    out.push('## Shards');
    out.push('');
    out.push(
      markdownTable(
        ['Shard', 'State', 'Elapsed'],
        s.shards.map((sh) => [
          `${sh.index + 1}/${sh.total}`,
          sh.lost ? '**lost**' : sh.done ? 'done' : 'running',
          `${(sh.elapsedMs / 1000).toFixed(1)}s`,
        ]),
      ),
    );
    out.push('');
  }

  out.push('## How these numbers are measured');
  out.push('');
  out.push(
    '- Percentiles come from HDR histograms in microseconds (3 significant digits), merged exactly across worker threads and runners; nothing is averaged across shards.',
  );
  out.push('- RPS is requests divided by the measured run time, not by any latency.');
  out.push(
    '- A request fails on a transport error (refused, reset, timeout, DNS, TLS), an HTTP status of 400 or more unless a status check allows it, or a failed check.',
  );
  out.push(
    '- The generator is marked saturated when, for at least 20% of seconds, its CPU was at 90% of the cores it could use or its event-loop delay p99 reached 20 ms, or when open-model schedule lag p99 reached 10 ms.',
  );
  out.push(...measuredNotes(s));
  out.push('');
  return out.join('\n');
}

function renderTimeseries(s: Summary): string {
  const series = s.timeseries;
  if (!series.length) return 'No complete seconds were recorded.';
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
      fmtRate(requests / chunk.length),
      fmtPercent(requests ? failures / requests : 0),
      // Worst second in the bucket: averaging percentiles would invent numbers.
      fmtMs(Math.max(...chunk.map((x) => x.p95Ms))),
      fmtMs(Math.max(...chunk.map((x) => x.p99Ms))),
      String(Math.max(...chunk.map((x) => x.vus))),
      `${Math.max(...chunk.map((x) => x.cpuPercent)).toFixed(0)}%`,
    ]);
  }
  const note =
    bucket > 1 ? `\n\nEach row covers ${bucket} seconds; percentiles are the worst second in the row.` : '';
  return markdownTable(['Second', 'RPS', 'Errors', 'p95', 'p99', 'VUs', 'CPU'], rows) + note;
}
