/** Live progress: a redrawn block on a terminal, periodic plain lines otherwise. */

import { latencyStats } from '../metrics/histogram.js';
import type { MergedRun } from '../metrics/merge.js';
import { ratePerSecond } from '../metrics/seconds.js';
import type { ThresholdResult } from '../metrics/thresholds.js';
import { fmtPercent, fmtRate, fmtStat } from './format.js';

/** What the local coordinator shows while a run is in progress. */
export interface LiveView {
  elapsedMs: number;
  plannedMs: number;
  /** The cumulative figures (they may lag the last second by a few seconds; see live-merge.ts). */
  run: MergedRun;
  /** Requests and failures through the last closed second. */
  totals: { requests: number; failures: number };
  thresholds: ThresholdResult[];
  scenarios: { name: string; startMs: number; durationMs: number }[];
}

const BAR_WIDTH = 24;
/** Without a terminal, one line every this many seconds keeps CI logs readable. */
const PLAIN_EVERY_MS = 5000;

function bar(fraction: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * BAR_WIDTH);
  return `[${'='.repeat(filled)}${filled < BAR_WIDTH ? '>' : ''}${' '.repeat(Math.max(0, BAR_WIDTH - filled - 1))}]`;
}

export function describeLive(view: LiveView): { headline: string; scenarios: string[] } {
  const { run } = view;
  const last = run.intervals[run.intervals.length - 1];
  const { requests, failures } = view.totals;
  const vus = run.scenarios.reduce((n, s) => n + s.activeVUs, 0);
  // A last second where every request was refused measured no latency: "no data", not p95 0.00ms.
  const stats = last ? latencyStats(last.duration) : undefined;
  const failing = view.thresholds.filter((t) => !t.passed).length;
  const headline =
    `${(view.elapsedMs / 1000).toFixed(0)}s/${(view.plannedMs / 1000).toFixed(0)}s  VUs ${vus}  ` +
    `rps ${fmtRate(last ? (ratePerSecond(last.requests, [last]) ?? 0) : 0)}  p95 ${fmtStat(stats, stats?.p95Ms)}  errors ${fmtPercent(requests ? failures / requests : 0)}` +
    (view.thresholds.length
      ? `  thresholds ${view.thresholds.length - failing}/${view.thresholds.length} passing`
      : '') +
    (last && last.loopDelayP99Ms >= 20 ? `  (generator loop delay ${last.loopDelayP99Ms}ms)` : '');
  const scenarios = view.scenarios.map((s) => {
    const fraction = s.durationMs > 0 ? (view.elapsedMs - s.startMs) / s.durationMs : 1;
    const sc = run.scenarios.find((x) => x.name === s.name);
    return `  ${s.name.padEnd(16)} ${bar(fraction)} ${sc ? `${sc.iterations} iterations, ${sc.activeVUs} VUs` : 'waiting'}${sc?.droppedIterations ? `, ${sc.droppedIterations} dropped` : ''}${sc?.stepping ? `, stepping stopped at level ${sc.stepping.level} (${sc.stepping.condition})` : ''}`;
  });
  return { headline, scenarios };
}

export function createProgressPrinter(stream: NodeJS.WriteStream): (view: LiveView) => void {
  if (stream.isTTY) {
    let lines = 0;
    return (view) => {
      const { headline, scenarios } = describeLive(view);
      const block = [headline, ...scenarios];
      if (lines) stream.write(`\x1b[${lines}A`);
      stream.write(`${block.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
      lines = block.length;
    };
  }
  let lastPrint = 0;
  return (view) => {
    if (view.elapsedMs - lastPrint < PLAIN_EVERY_MS) return;
    lastPrint = view.elapsedMs;
    stream.write(`${describeLive(view).headline}\n`);
  };
}
