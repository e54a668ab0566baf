/**
 * Rules that shrink the parts of a summary that grow with the run (per-second series, load levels, target
 * resource series, error samples, steps, findings), each keeping what a reader needs: rows are picked,
 * never invented. Pure; fit.ts applies ever tighter tiers until the report fits.
 */
import type { LevelSummary, Scalability } from '../analysis/model.js';
import type { Summary } from './summary.js';

/** One tier's caps. */
export interface TrimCaps {
  timeseriesRows: number;
  levels: number;
  resourceRows: number;
  errorSamples: number;
  /** Longest error sample message and outcome detail kept, in characters. */
  messageChars: number;
  steps: number;
  findings: number;
}

/** From gentle to drastic; fit.ts stops at the first tier that fits. */
export const TRIM_TIERS: readonly TrimCaps[] = [
  {
    timeseriesRows: 4000,
    levels: 500,
    resourceRows: 4000,
    errorSamples: 50,
    messageChars: 1000,
    steps: 500,
    findings: 100,
  },
  {
    timeseriesRows: 1200,
    levels: 200,
    resourceRows: 1200,
    errorSamples: 20,
    messageChars: 500,
    steps: 200,
    findings: 50,
  },
  {
    timeseriesRows: 400,
    levels: 100,
    resourceRows: 400,
    errorSamples: 5,
    messageChars: 300,
    steps: 50,
    findings: 30,
  },
  {
    timeseriesRows: 100,
    levels: 40,
    resourceRows: 100,
    errorSamples: 5,
    messageChars: 200,
    steps: 20,
    findings: 20,
  },
  {
    timeseriesRows: 0,
    levels: 20,
    resourceRows: 0,
    errorSamples: 0,
    messageChars: 200,
    steps: 10,
    findings: 10,
  },
];

/**
 * Splits rows into buckets of consecutive rows and keeps, from each, the row with the highest and the row
 * with the lowest `key` (in time order): a one-second latency spike or an outage second stays visible,
 * where keeping every n-th row would skip it. At most `keep` rows come out. A null key (a second with no
 * latency sample) is never compared as a number: it takes the low slot, so the outage second stays.
 */
export function keepExtremes<T>(rows: readonly T[], keep: number, key: (row: T) => number | null): T[] {
  if (rows.length <= keep) return [...rows];
  if (keep < 2) return [];
  const buckets = Math.floor(keep / 2);
  const size = Math.ceil(rows.length / buckets);
  const out: T[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const end = Math.min(rows.length, start + size);
    const { hi, lo } = bucketExtremes(rows, start, end, key);
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) out.push(rows[i] as T);
  }
  return out;
}

/** Indexes of the highest and lowest key in rows[start, end); the first null key, if any, is the lowest. */
function bucketExtremes<T>(rows: readonly T[], start: number, end: number, key: (row: T) => number | null) {
  let hi = -1;
  let lo = -1;
  let gap = -1;
  for (let i = start; i < end; i++) {
    const v = key(rows[i] as T);
    if (v === null) {
      if (gap < 0) gap = i;
      continue;
    }
    if (hi < 0 || v > (key(rows[hi] as T) as number)) hi = i;
    if (lo < 0 || v < (key(rows[lo] as T) as number)) lo = i;
  }
  if (gap >= 0) lo = gap;
  return { hi: hi < 0 ? lo : hi, lo };
}

/** Level indexes the analysis points at: they are the answers, so they always stay. */
function namedLevels(s: Scalability): Set<number> {
  return new Set(
    [s.degradationPoint.value?.level, s.breakingPoint.value?.level, s.capacityAtSlo.value?.level].filter(
      (n): n is number => n !== undefined,
    ),
  );
}

/**
 * Keeps the first and last levels, the ones the analysis names, every recovery level and levels spread
 * evenly over the rest, up to `keep`, in their order.
 */
export function trimLevels(levels: readonly LevelSummary[], s: Scalability, keep: number): LevelSummary[] {
  if (levels.length <= keep) return [...levels];
  const must = namedLevels(s);
  const picked = new Set<number>();
  const add = (i: number) => picked.size < keep && picked.add(i);
  add(0);
  add(levels.length - 1);
  levels.forEach((l, i) => must.has(l.index) && add(i));
  levels.forEach((l, i) => l.phase === 'recovery' && add(i));
  const room = keep - picked.size;
  for (let k = 0; k < room; k++) add(Math.round(((k + 1) * (levels.length - 1)) / (room + 1)));
  return [...picked].sort((a, b) => a - b).map((i) => levels[i] as LevelSummary);
}

const cut = (text: string, chars: number) => (text.length <= chars ? text : `${text.slice(0, chars)}…`);

/** The summary with every growing part within `caps`, and a note for each part that was cut. */
export function trimSummary(summary: Summary, caps: TrimCaps): { summary: Summary; notes: string[] } {
  const notes: string[] = [];
  const said = (what: string, before: number, after: number) => {
    if (after < before) notes.push(`${what}: kept ${after} of ${before}`);
  };
  let out: Summary = { ...summary };
  const ts = keepExtremes(summary.timeseries, caps.timeseriesRows, (r) => r.p95Ms);
  said(
    'timeseries rows (per bucket the highest and lowest p95 second)',
    summary.timeseries.length,
    ts.length,
  );
  out.timeseries = ts;
  if (summary.scalability) {
    const levels = trimLevels(summary.scalability.levels, summary.scalability, caps.levels);
    said(
      'load levels (first, last, the ones the analysis names, recovery, evenly spaced)',
      summary.scalability.levels.length,
      levels.length,
    );
    out.scalability = { ...summary.scalability, levels };
  }
  if (summary.targetResources) {
    const series = keepExtremes(summary.targetResources.series, caps.resourceRows, (r) => r.memoryMb ?? 0);
    said(
      'target resource rows (per bucket the highest and lowest memory)',
      summary.targetResources.series.length,
      series.length,
    );
    out.targetResources = { ...summary.targetResources, series };
  }
  const samples = summary.errors.samples
    .slice(0, caps.errorSamples)
    .map((e) => ({ ...e, message: cut(e.message, caps.messageChars) }));
  said('error samples (most frequent first)', summary.errors.samples.length, samples.length);
  out.errors = { ...summary.errors, samples };
  const steps = summary.steps
    .slice()
    .sort((a, b) => b.requests - a.requests)
    .slice(0, caps.steps);
  said('steps (busiest first)', summary.steps.length, steps.length);
  if (steps.length < summary.steps.length) out.steps = steps;
  if (summary.findings && summary.findings.length > caps.findings) {
    said('findings', summary.findings.length, caps.findings);
    out.findings = summary.findings.slice(0, caps.findings);
  }
  if (summary.outcomeDetail && summary.outcomeDetail.length > caps.messageChars * 10) {
    notes.push(`outcome detail cut to ${caps.messageChars * 10} characters`);
    out = { ...out, outcomeDetail: cut(summary.outcomeDetail, caps.messageChars * 10) };
  }
  return { summary: out, notes };
}
