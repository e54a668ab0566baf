/** Writes the report files for `--out DIR`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
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
