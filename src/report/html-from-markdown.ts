/**
 * report.html carries every section of report.md. Sections that have no hand-made HTML view (configuration,
 * WebSocket, PostgreSQL, custom metrics, resource usage) are rendered from their report.md lines: headings, tables, lists
 * and paragraphs, with **bold** and `code`. Every character of the source is escaped first, so nothing in a
 * summary (step names, error messages, URLs) can become markup.
 */
import { escapeHtml } from './html-charts.js';
import { customMetricsSection } from './sections-custom.js';
import { configurationSection } from './sections-overview.js';
import { renderPgMarkdown, renderWsMarkdown } from './sections-protocols.js';
import { resourcesSection } from './sections-resources.js';
import type { Summary } from './summary.js';

/** The report.md sections report.html shows through this converter, in report.md's order. */
export const MARKDOWN_SECTIONS_IN_HTML = [
  configurationSection,
  renderWsMarkdown,
  renderPgMarkdown,
  customMetricsSection,
  resourcesSection,
];

/** Escapes, then turns **bold** and `code` into elements. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Cells of a markdown table row; `\|` is a literal bar inside a cell. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** A separator row (`|---|---:|`): it carries each column's alignment and is no data. */
const SEPARATOR = /^\|(\s*:?-{3,}:?\s*\|)+$/;

function tableHtml(rows: string[]): string {
  const [head = '', ...rest] = rows;
  const separator = rest[0] !== undefined && SEPARATOR.test(rest[0].trim()) ? rest[0] : undefined;
  const body = separator === undefined ? rest : rest.slice(1);
  // `---:` is a right-aligned (numeric) column, as in the hand-made tables.
  const num = (separator ? cells(separator) : []).map((c) => c.endsWith(':'));
  const cls = (i: number) => (num[i] ? ' class="num"' : '');
  const th = cells(head)
    .map((c, i) => `<th${cls(i)}>${inline(c)}</th>`)
    .join('');
  const trs = body
    .map(
      (r) =>
        `<tr>${cells(r)
          .map((c, i) => `<td${cls(i)}>${inline(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

/**
 * Converts report.md lines (the subset our sections write) to HTML. An element may hold several lines (a
 * markdownTable is one string): they are split first, so a table is its rows and never one line.
 */
export function markdownLinesToHtml(source: readonly string[]): string {
  const lines = source.flatMap((l) => l.split(/\r?\n/));
  const out: string[] = [];
  let i = 0;
  const run = (test: (l: string) => boolean) => {
    const block: string[] = [];
    while (i < lines.length && test(lines[i] as string)) block.push(lines[i++] as string);
    return block;
  };
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.startsWith('|')) out.push(tableHtml(run((l) => l.startsWith('|'))));
    else if (line.startsWith('- ')) {
      const items = run((l) => l.startsWith('- ')).map((l) => `<li>${inline(l.slice(2))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
    } else {
      i++;
      if (line.startsWith('### ')) out.push(`<h3>${inline(line.slice(4))}</h3>`);
      else if (line.startsWith('## ')) out.push(`<h2>${inline(line.slice(3))}</h2>`);
      else if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
    }
  }
  return out.join('\n');
}

export function markdownSectionsHtml(s: Summary): string {
  return MARKDOWN_SECTIONS_IN_HTML.map((section) => markdownLinesToHtml(section(s))).join('\n');
}
