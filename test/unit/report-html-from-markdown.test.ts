/**
 * The report.md-to-HTML converter behind report.html's configuration, WebSocket, PostgreSQL, custom-metrics
 * and resource sections: each markdown table becomes one table whose head is its header row and whose body
 * holds its data rows, never the separator.
 */
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../../src/report/format.js';
import { MARKDOWN_SECTIONS_IN_HTML, markdownLinesToHtml } from '../../src/report/html-from-markdown.js';
import { sectionsFixture } from '../helpers/summary-fixture.js';

interface TableShape {
  headRows: number;
  head: string[];
  rows: string[][];
}

/** The tables of converter output, read back by their tags (the converter writes no attributes but class). */
function tables(html: string): TableShape[] {
  const cellsOf = (row: string) =>
    [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1] as string);
  return [...html.matchAll(/<table><thead>(.*?)<\/thead><tbody>(.*?)<\/tbody><\/table>/g)].map((m) => {
    const headRows = [...(m[1] as string).matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => r[1] as string);
    const rows = [...(m[2] as string).matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => cellsOf(r[1] as string));
    return { headRows: headRows.length, head: cellsOf(headRows[0] ?? ''), rows };
  });
}

describe('markdownLinesToHtml', () => {
  it('turns a markdownTable (one string of lines) into a head row and one body row per data row', () => {
    const html = markdownLinesToHtml([
      '## Sizes',
      '',
      markdownTable(
        ['Name', 'Count'],
        [
          ['a', '1'],
          ['b', '2'],
        ],
      ),
      '',
      'After the table.',
    ]);
    expect(html).toBe(
      [
        '<h2>Sizes</h2>',
        '<table><thead><tr><th>Name</th><th class="num">Count</th></tr></thead>' +
          '<tbody><tr><td>a</td><td class="num">1</td></tr><tr><td>b</td><td class="num">2</td></tr></tbody></table>',
        '<p>After the table.</p>',
      ].join('\n'),
    );
  });

  it('keeps a bar, a line break and markup inside a cell as text of that cell', () => {
    const html = markdownLinesToHtml([markdownTable(['Step', 'Error'], [['a|b <i>', 'line one\nline two']])]);
    expect(tables(html)).toEqual([
      { headRows: 1, head: ['Step', 'Error'], rows: [['a|b &lt;i&gt;', 'line one line two']] },
    ]);
  });

  it('every table of every converted section has one head row, its data rows in the body, no separator cell', () => {
    const s = sectionsFixture();
    const shapes = MARKDOWN_SECTIONS_IN_HTML.map((section) => {
      const lines = section(s);
      const md = lines.join('\n').split('\n');
      const html = markdownLinesToHtml(lines);
      // The markdown's own tables: a header line, a separator line, then data lines.
      const expected = md.flatMap((l, i) =>
        /^\|[-:|]+\|$/.test(l)
          ? [md.slice(i + 1).findIndex((next) => !next.startsWith('|'))].map((n) =>
              n < 0 ? md.length - i - 1 : n,
            )
          : [],
      );
      return { name: section.name, expected, found: tables(html) };
    });
    // The fixture fills all five sections, each with its tables.
    expect(shapes.map((x) => [x.name, x.found.length])).toEqual([
      ['configurationSection', 1],
      ['renderWsMarkdown', 2],
      ['renderPgMarkdown', 1],
      ['customMetricsSection', 1],
      ['resourcesSection', 4],
    ]);
    for (const { name, expected, found } of shapes) {
      expect(
        found.map((t) => t.rows.length),
        name,
      ).toEqual(expected);
      for (const t of found) {
        expect(t.headRows, name).toBe(1);
        for (const row of t.rows) expect(row.length, name).toBe(t.head.length);
        expect(
          [...t.head, ...t.rows.flat()].filter((c) => /^-{3,}:?$/.test(c)),
          name,
        ).toEqual([]);
      }
    }
    const rowsOf = (name: string) => shapes.find((x) => x.name === name)?.found.map((t) => t.rows.length);
    expect(rowsOf('configurationSection')).toEqual([2]);
    expect(rowsOf('customMetricsSection')).toEqual([3]);
    // Generator per level (7), target figures (5), target per level (7), target over time (3).
    expect(rowsOf('resourcesSection')).toEqual([7, 5, 7, 3]);
  });
});
