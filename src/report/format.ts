/** Small shared formatters for reports and the console. */

/** What a latency figure shows when nothing was measured: never a made-up 0.00ms. */
export const NO_DATA = 'no data';

/** A figure of `stats`, or "no data" when it holds no sample. */
export function fmtStat(stats: { count: number } | undefined, ms: number | undefined): string {
  return stats && stats.count > 0 && ms !== undefined ? fmtMs(ms) : NO_DATA;
}

/** A figure that is null without a sample (a level where every request failed): "no data", never 0 ms. */
export const fmtMsOrNoData = (ms: number | null): string => (ms === null ? NO_DATA : fmtMs(ms));

/** The degradation point's figures; its error rate first when errors, not latency, degraded the level. */
export function degradationFigures(v: {
  p95Ms: number | null;
  factor: number | null;
  errorRate?: number;
}): string {
  const ratio = v.factor === null ? '' : `, ${+v.factor.toFixed(2)}x the lightest level`;
  const p95 = `p95 ${fmtMsOrNoData(v.p95Ms)}${ratio}`;
  return v.errorRate === undefined ? p95 : `errors ${fmtPercent(v.errorRate)}, ${p95}`;
}

export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 100) return `${ms.toFixed(0)}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(2)}ms`;
}

export function fmtPercent(fraction: number): string {
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  return `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtRate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u ? 1 : 0)} ${units[u]}`;
}

export function fmtThresholdValue(actual: number | null, unit: string): string {
  if (actual === null) return 'no data';
  if (unit === 'ms') return fmtMs(actual);
  if (unit === 'ratio') return fmtPercent(actual);
  if (unit === 'per_second') return `${fmtRate(actual)}/s`;
  // A custom trend's own numbers (a queue position, a server timing): not rounded to whole counts.
  if (unit === 'value') return String(actual);
  return fmtCount(actual);
}

/** A plain text table with right-aligned numeric columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A markdown table, one string of lines; a bar or line break inside a cell cannot end the cell or the row. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
