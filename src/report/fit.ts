/**
 * Report files for a ConfigMap, trimmed to fit under Kubernetes' 1 MiB object limit. Long runs lose detail in
 * the per-second series first (downsampled, never invented), then in error samples; what was trimmed is said
 * in the files themselves. report.html goes in last, as text when it fits, else gzip-compressed in
 * binaryData (`report.html.gz`), else not at all (said in TRIMMED.txt).
 */
import { gzipSync } from 'node:zlib';
import { renderTimeseriesCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Summary } from './summary.js';

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
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
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

/** Keeps every n-th second (plus the last), so the series still spans the whole run. */
function downsample<T>(rows: T[], keep: number): T[] {
  if (rows.length <= keep) return rows;
  const step = Math.ceil(rows.length / keep);
  return rows.filter((_, i) => i % step === 0 || i === rows.length - 1);
}

export function fitReportFiles(summary: Summary, budget = CONFIGMAP_BUDGET_BYTES): FittedReport {
  let current = summary;
  let files = pick(current);
  const trimmed: string[] = [];
  for (
    let keep = 2000;
    size(files) > budget && keep >= 50 && current.timeseries.length > keep;
    keep = Math.floor(keep / 2)
  ) {
    current = { ...current, timeseries: downsample(summary.timeseries, keep) };
    files = pick(current);
    trimmed.splice(
      0,
      trimmed.length,
      `timeseries downsampled from ${summary.timeseries.length} to ${current.timeseries.length} rows`,
    );
  }
  if (size(files) > budget) {
    current = { ...current, errors: { ...current.errors, samples: current.errors.samples.slice(0, 5) } };
    files = pick(current);
    trimmed.push('error samples cut to the 5 most frequent');
  }
  if (size(files) > budget) {
    current = {
      ...current,
      steps: current.steps
        .slice()
        .sort((a, b) => b.requests - a.requests)
        .slice(0, 50),
    };
    files = pick(current);
    trimmed.push('per-step table cut to the 50 busiest steps');
  }
  const withHtml = addHtml(current, files, budget, trimmed);
  files = withHtml.files;
  if (trimmed.length) files['TRIMMED.txt'] = `${trimmed.join('\n')}\n`;
  return { files, binaryFiles: withHtml.binaryFiles, trimmed };
}
