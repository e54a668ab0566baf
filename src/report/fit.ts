/**
 * Report files for a ConfigMap, trimmed to fit under Kubernetes' 1 MiB object limit. Long runs lose detail in
 * the per-second series first (downsampled, never invented), then in error samples; what was trimmed is said
 * in the files themselves.
 */

import type { Summary } from './summary.js';
import { renderReportFiles } from './write.js';

/** 1 MiB minus room for metadata, labels and owner references. */
export const CONFIGMAP_BUDGET_BYTES = 1024 * 1024 - 32 * 1024;

export const CONFIGMAP_FILES = ['summary.json', 'report.md', 'timeseries.csv', 'junit.xml'] as const;

function size(files: Record<string, string>): number {
  return Object.entries(files).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

function pick(summary: Summary): Record<string, string> {
  const all = renderReportFiles(summary);
  return Object.fromEntries(CONFIGMAP_FILES.map((k) => [k, all[k]]));
}

/** Keeps every n-th second (plus the last), so the series still spans the whole run. */
function downsample<T>(rows: T[], keep: number): T[] {
  if (rows.length <= keep) return rows;
  const step = Math.ceil(rows.length / keep);
  return rows.filter((_, i) => i % step === 0 || i === rows.length - 1);
}

export function fitReportFiles(
  summary: Summary,
  budget = CONFIGMAP_BUDGET_BYTES,
): { files: Record<string, string>; trimmed: string[] } {
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
  if (trimmed.length) files['TRIMMED.txt'] = `${trimmed.join('\n')}\n`;
  return { files, trimmed };
}
