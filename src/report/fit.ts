/**
 * Report files for a ConfigMap, trimmed to fit under Kubernetes' 1 MiB object limit. Every part that grows
 * with the run is cut by a rule that keeps what matters (trim.ts: spikes and dips in series, the levels the
 * analysis names), tier by tier; what was trimmed is said in summary.json and TRIMMED.txt. report.html goes in last, as text when it fits, else gzip-compressed in
 * binaryData (`report.html.gz`), else not at all (said in TRIMMED.txt).
 */
import { gzipSync } from 'node:zlib';
import { summaryToJson } from '../analysis/summary-json.js';
import { renderTimeseriesCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Summary } from './summary.js';
import { TRIM_TIERS, trimSummary } from './trim.js';

/** 1 MiB minus room for metadata, labels and owner references. */
export const CONFIGMAP_BUDGET_BYTES = 1024 * 1024 - 32 * 1024;

export const HTML_FILE = 'report.html';
/** binaryData entries ending in this are gzip-compressed files (`stampede report` unpacks them). */
export const GZIP_SUFFIX = '.gz';

function size(files: Record<string, string>): number {
  return Object.entries(files).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

/** The text files only (same renderers as write.ts): the page is drawn once, after trimming settles. */
function pick(summary: Summary): Record<string, string> {
  return {
    'summary.json': `${summaryToJson(summary, 2)}\n`,
    'report.md': renderMarkdown(summary),
    'timeseries.csv': renderTimeseriesCsv(summary),
    'junit.xml': renderJunit(summary),
  };
}

export interface FittedReport {
  /** ConfigMap `data`: summary.json always, so the controller can read it back. */
  files: Record<string, string>;
  /** ConfigMap `binaryData` (base64): report.html.gz when the plain page did not fit. */
  binaryFiles: Record<string, string>;
  trimmed: string[];
}

/** Adds report.html (drawn from the trimmed summary) as text, else gzip + base64, else not at all. */
function addHtml(
  summary: Summary,
  files: Record<string, string>,
  budget: number,
  trimmed: string[],
): Pick<FittedReport, 'files' | 'binaryFiles'> {
  const html = renderHtml(summary);
  const room = budget - size(files) - 200; // 200: the TRIMMED.txt note, should one be needed
  if (Buffer.byteLength(HTML_FILE) + Buffer.byteLength(html) <= room) {
    return { files: { ...files, [HTML_FILE]: html }, binaryFiles: {} };
  }
  const gz = gzipSync(html, { level: 9 }).toString('base64');
  const key = `${HTML_FILE}${GZIP_SUFFIX}`;
  if (Buffer.byteLength(key) + gz.length <= room) {
    trimmed.push(`${HTML_FILE} stored gzip-compressed as binaryData ${key}`);
    return { files, binaryFiles: { [key]: gz } };
  }
  trimmed.push(`${HTML_FILE} left out: even compressed it did not fit`);
  return { files, binaryFiles: {} };
}

/** The smallest report there is: the verdict and totals, for a summary no tier could shrink enough. */
function bare(summary: Summary, notes: string[]): Summary {
  return {
    ...summary,
    steps: [],
    scenarios: summary.scenarios.slice(0, 20),
    timeseries: [],
    errors: { ...summary.errors, samples: [] },
    thresholds: summary.thresholds.slice(0, 100),
    shards: summary.shards.slice(0, 1000),
    scalability: undefined,
    targetResources: undefined,
    findings: undefined,
    ...(summary.outcomeDetail ? { outcomeDetail: summary.outcomeDetail.slice(0, 2000) } : {}),
    trimmed: [...notes, 'everything but the verdict, totals and thresholds left out: nothing else fit'],
  };
}

/**
 * Fits the report under `budget`: ever tighter trim tiers (trim.ts) until the text files fit, the page
 * added after; if even the last tier does not fit, only a bare summary.json. Whatever was cut is listed in
 * summary.json (`trimmed`) and TRIMMED.txt. The final check guarantees the budget.
 */
export function fitReportFiles(summary: Summary, budget = CONFIGMAP_BUDGET_BYTES): FittedReport {
  let current = summary;
  let files = pick(current);
  let trimmed: string[] = [];
  for (const caps of TRIM_TIERS) {
    if (size(files) <= budget) break;
    const cut = trimSummary(summary, caps);
    trimmed = cut.notes;
    current = { ...cut.summary, trimmed };
    files = pick(current);
  }
  if (size(files) > budget) {
    current = bare(summary, trimmed);
    trimmed = current.trimmed ?? [];
    files = { 'summary.json': `${summaryToJson(current)}\n` };
  }
  const withHtml =
    size(files) <= budget ? addHtml(current, files, budget, trimmed) : { files, binaryFiles: {} };
  files = withHtml.files;
  if (trimmed.length) files['TRIMMED.txt'] = `${trimmed.join('\n')}\n`;
  // Last line of defence: the object must be accepted by the apiserver whatever the summary held.
  if (size(files) + size(withHtml.binaryFiles) > budget) {
    const note = 'the report did not fit even bare; summary.json holds the verdict and totals only';
    const minimal = {
      kind: summary.kind,
      schemaVersion: summary.schemaVersion,
      loadTest: summary.loadTest,
      outcome: summary.outcome,
      verdict: summary.verdict,
      totals: summary.totals,
      latency: summary.latency,
      trimmed: [note],
    };
    return {
      files: { 'summary.json': `${summaryToJson(minimal)}\n`, 'TRIMMED.txt': `${note}\n` },
      binaryFiles: {},
      trimmed: [note],
    };
  }
  return { files, binaryFiles: withHtml.binaryFiles, trimmed };
}
