/**
 * asSummary: a summary.json read back (`stampede compare`, spec.baseline's ConfigMap) has every field the
 * comparison and its report read checked, and the first bad field is named. Whatever it accepts, the
 * comparison and its report lines come out without a throw and without NaN.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareSummaries, DEFAULT_BOUNDS, withComparison } from '../../src/analysis/compare.js';
import { comparabilityProblems } from '../../src/analysis/compare-match.js';
import { asSummary, readSummary } from '../../src/analysis/summary-check.js';
import { summaryFromJson, summaryToJson } from '../../src/analysis/summary-json.js';
import { renderBaselineMarkdown, renderComparisonText } from '../../src/report/compare-table.js';
import type { Summary } from '../../src/report/summary.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

/** A real summary as summary.json holds it, parsed back as compare and the controller parse it. */
const good = summaryFixture();
const goodText = summaryToJson(good);
const parsedGood = () => JSON.parse(goodText) as Record<string, unknown>;

/** Stands for the number 1e999 in the file, which JSON.parse reads as Infinity. */
const OVERFLOW = '<1e999>';

/** `raw` with the field at `path` (dots and [i]) set to `value`, or removed when `value` is undefined. */
function corrupt(path: string, value: unknown): unknown {
  const raw = parsedGood();
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let at = raw as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  // Through summary.json's text and reader, as `stampede compare` and the controller's observer read it.
  return summaryFromJson(JSON.stringify(raw).replace(`"${OVERFLOW}"`, '1e999'));
}

/**
 * Everything done with an accepted summary: comparability (names are free text, so not returned), the
 * comparison both ways and its report lines.
 */
function useAsBaselineAndCurrent(s: Summary): string {
  comparabilityProblems(s, good);
  comparabilityProblems(good, s);
  const out: string[] = [];
  for (const c of [
    compareSummaries(s, good, DEFAULT_BOUNDS, 'base'),
    compareSummaries(good, s, { p50: 0.1, p95: 0.1, p99: 0.1, errorRate: 0.01, rps: 0.1 }, 'base'),
  ]) {
    out.push(renderComparisonText(c), ...renderBaselineMarkdown(withComparison(good, c)));
  }
  return out.join('\n');
}

describe('asSummary', () => {
  it('accepts a real summary.json, also one that measured nothing (null figures)', () => {
    expect(typeof asSummary(summaryFromJson(goodText))).toBe('object');
    const empty = summaryFixture({ requests: 0 });
    expect(empty.latency.count).toBe(0);
    const accepted = asSummary(summaryFromJson(summaryToJson(empty)));
    expect(typeof accepted).toBe('object');
    expect(useAsBaselineAndCurrent(accepted as Summary)).not.toMatch(/NaN|undefined/);
  });

  const cases: [string, unknown, string][] = [
    ['latency.p95Ms', 'x', 'latency.p95Ms: expected a number or null'],
    ['latency.p50Ms', { ms: 1 }, 'latency.p50Ms: expected a number or null'],
    ['latency.p99Ms', -3, 'latency.p99Ms: expected a number >= 0, got -3'],
    ['latency.maxMs', OVERFLOW, 'latency.maxMs: expected a number >= 0, got Infinity'],
    ['latency.count', '200', 'latency.count: expected a number'],
    ['latency.count', 1.5, 'latency.count: expected a whole number >= 0, got 1.5'],
    ['latency', null, 'latency: expected an object'],
    ['latency', undefined, 'latency: expected an object'],
    ['latency', [1, 2], 'latency: expected an object'],
    ['totals', 'many', 'totals: expected an object'],
    ['totals.requests', null, 'totals.requests: expected a number'],
    ['totals.rps', 'fast', 'totals.rps: expected a number'],
    ['totals.rps', -1, 'totals.rps: expected a number >= 0, got -1'],
    ['totals.errorRate', 2, 'totals.errorRate: expected a number >= 0 and <= 1, got 2'],
    ['totals.errorRate', 1e308, 'totals.errorRate: expected a number >= 0 and <= 1, got 1e+308'],
    ['loadTest', null, 'loadTest: expected an object'],
    ['loadTest', 5, 'loadTest: expected an object'],
    ['loadTest.name', 7, 'loadTest.name: expected a string'],
    ['scenarios', null, 'scenarios: expected an array'],
    ['scenarios', 's', 'scenarios: expected an array'],
    ['scenarios', { 0: {} }, 'scenarios: expected an array'],
    ['scenarios[0]', null, 'scenarios[0]: expected an object'],
    ['scenarios[0].plan', undefined, 'scenarios[0].plan: expected a string'],
    ['scenarios[0].name', ['s'], 'scenarios[0].name: expected a string'],
    ['schemaVersion', '1', 'summary schemaVersion "1" is not supported (1 is)'],
    ['kind', 'Other', 'not a Stampede summary.json (kind is not StampedeSummary)'],
  ];
  it.each(cases)('%s = %j: %s', (path, value, message) => {
    expect(asSummary(corrupt(path, value))).toBe(message);
  });

  it('refuses what is not a summary object at all', () => {
    for (const v of [null, 5, 'x', [], [{ kind: 'StampedeSummary' }]])
      expect(asSummary(v)).toBe('not a Stampede summary.json (kind is not StampedeSummary)');
    // Fields inherited from Object.prototype are not the summary's.
    expect(asSummary({ kind: 'StampedeSummary', schemaVersion: 1, loadTest: {} })).toBe(
      'loadTest.name: expected a string',
    );
  });

  /** Every field the comparison reads, and the objects holding them. */
  const READ_PATHS = [
    'loadTest',
    'loadTest.name',
    'scenarios',
    'scenarios[0]',
    'scenarios[0].name',
    'scenarios[0].plan',
    'latency',
    'latency.count',
    'latency.p50Ms',
    'latency.p95Ms',
    'latency.p99Ms',
    'latency.maxMs',
    'totals',
    'totals.requests',
    'totals.rps',
    'totals.errorRate',
  ];

  it('any value at any field read: refused naming that field, or compared and reported without NaN', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...READ_PATHS),
        fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.double()),
        (path, value) => {
          const checked = asSummary(corrupt(path, value));
          if (typeof checked === 'string') {
            expect(
              checked.startsWith(`${path}:`) ||
                checked.startsWith(`${path}.`) ||
                checked.startsWith(`${path}[`),
            ).toBe(true);
            return;
          }
          expect(useAsBaselineAndCurrent(checked)).not.toMatch(/NaN|undefined|\[object/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('readSummary (a stored report read back by the controller)', () => {
  it('is the summary when it reads as one, else what is wrong with it', () => {
    const good = summaryFixture();
    expect(readSummary(summaryToJson(good))).toEqual(summaryFromJson(summaryToJson(good)));
    expect(readSummary('{"kind": "StampedeSummary"')).toBe('not JSON');
    const changed = JSON.parse(summaryToJson(good));
    changed.totals.requests = 'many';
    expect(readSummary(JSON.stringify(changed))).toMatch(/^totals\.requests: /);
  });
});
