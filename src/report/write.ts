/** Writes the report files for `--out DIR`. */
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summaryToJson } from '../analysis/summary-json.js';
import { renderTimeseriesCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Summary } from './summary.js';

export const REPORT_FILES = [
  'summary.json',
  'report.md',
  'report.html',
  'timeseries.csv',
  'errors.json',
  'junit.xml',
] as const;

export function renderReportFiles(summary: Summary): Record<(typeof REPORT_FILES)[number], string> {
  return {
    'summary.json': `${summaryToJson(summary, 2)}\n`,
    'report.md': renderMarkdown(summary),
    'report.html': renderHtml(summary),
    'timeseries.csv': renderTimeseriesCsv(summary),
    'errors.json': `${JSON.stringify({ byClass: summary.errors.byClass, samples: summary.errors.samples }, null, 2)}\n`,
    'junit.xml': renderJunit(summary),
  };
}

export async function writeReport(dir: string, summary: Summary): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = renderReportFiles(summary);
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  return Object.keys(files).map((name) => join(dir, name));
}

/**
 * Creates `dir` (and its parents) and checks it can be written, so a bad `--out` is refused before any
 * load is sent. Returns why it cannot be used, or undefined.
 */
export async function prepareReportDir(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EEXIST' || e.code === 'ENOTDIR') return `${dir} exists and is not a directory`;
    if (e.code === 'EACCES' || e.code === 'EPERM') return `${dir} is not writable`;
    return `${dir}: ${e.code ?? e.message}`;
  }
}
