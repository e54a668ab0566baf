import { describe, expect, it } from 'vitest';
import { unpackReportConfigMap } from '../../src/cli/report.js';
import { CONFIGMAP_BUDGET_BYTES, fitReportFiles } from '../../src/report/fit.js';
import { renderHtml } from '../../src/report/html.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

const bytes = (files: Record<string, string>) =>
  Object.entries(files).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

describe('report ConfigMap: report.html when it fits', () => {
  const summary = summaryFixture({ levels: true });
  const textOnly = fitReportFiles(summary, CONFIGMAP_BUDGET_BYTES);

  it('a normal run carries report.html as text next to summary.json and report.md', () => {
    expect(Object.keys(textOnly.files).sort()).toEqual([
      'junit.xml',
      'report.html',
      'report.md',
      'summary.json',
      'timeseries.csv',
    ]);
    expect(textOnly.binaryFiles).toEqual({});
    expect(textOnly.files['report.html']).toBe(renderHtml(summary));
    expect(textOnly.trimmed).toEqual([]);
  });

  it('when the page does not fit as text it goes gzip-compressed into binaryData, and unpacks to the same page', () => {
    const html = textOnly.files['report.html'] as string;
    const budget = bytes(textOnly.files) - Buffer.byteLength(html) / 2;
    const fitted = fitReportFiles(summary, budget);
    expect(fitted.files['report.html']).toBeUndefined();
    expect(Object.keys(fitted.binaryFiles)).toEqual(['report.html.gz']);
    expect(bytes(fitted.files) + bytes(fitted.binaryFiles)).toBeLessThanOrEqual(budget);
    expect(fitted.files['TRIMMED.txt']).toMatch(
      /report.html stored gzip-compressed as binaryData report.html.gz/,
    );
    const unpacked = unpackReportConfigMap(
      { data: fitted.files, binaryData: fitted.binaryFiles },
      'default/x-report',
    );
    expect(unpacked['report.html']?.toString('utf8')).toBe(html);
    expect(unpacked['summary.json']?.toString('utf8')).toBe(fitted.files['summary.json']);
  });

  it('when even the compressed page does not fit, it is left out and the note says so', () => {
    const budget = bytes(textOnly.files) - Buffer.byteLength(textOnly.files['report.html'] as string) + 300;
    const fitted = fitReportFiles(summary, budget);
    expect(fitted.files['report.html']).toBeUndefined();
    expect(fitted.binaryFiles).toEqual({});
    expect(fitted.files['TRIMMED.txt']).toMatch(/report.html left out/);
    expect(fitted.files['summary.json']).toBeDefined();
  });

  it('a day-long run still fits the 1 MiB ConfigMap with its page', () => {
    const long = summaryFixture({ seconds: 86_400 });
    const fitted = fitReportFiles(long);
    expect(bytes(fitted.files) + bytes(fitted.binaryFiles)).toBeLessThanOrEqual(CONFIGMAP_BUDGET_BYTES);
    expect(fitted.files['report.html'] ?? fitted.binaryFiles['report.html.gz']).toBeDefined();
  });
});

describe('unpackReportConfigMap with a key named like an object member', () => {
  it('a "__proto__" key is a file like any other, not the prototype of the file table', () => {
    const files = unpackReportConfigMap(
      { data: JSON.parse('{"__proto__": "x", "report.md": "# r"}') } as unknown as Parameters<
        typeof unpackReportConfigMap
      >[0],
      'ConfigMap ns/r',
    );
    expect(Object.keys(files).sort()).toEqual(['__proto__', 'report.md']);
    expect(files['report.md']?.toString()).toBe('# r');
  });
});
