/**
 * `stampede compare` with a summary.json whose fields have the wrong type, on either side: exit 2 with
 * `stampede: FILE: FIELD: problem`, never a JavaScript error (exit 1) or a comparison of NaN.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { summaryToJson } from '../../src/analysis/summary-json.js';
import { runCli } from '../helpers/cli.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

type Raw = Record<string, unknown> & { latency: Record<string, unknown>; totals: Record<string, unknown> };

/** Each corrupt file: how it differs from a real summary.json, and the message naming the field. */
const CORRUPT: [string, (raw: Raw) => void, string][] = [
  ['p95-string', (r) => Object.assign(r.latency, { p95Ms: 'x' }), 'latency.p95Ms: expected a number or null'],
  ['rps-string', (r) => Object.assign(r.totals, { rps: '12' }), 'totals.rps: expected a number'],
  [
    'error-rate-2',
    (r) => Object.assign(r.totals, { errorRate: 2 }),
    'totals.errorRate: expected a number >= 0 and <= 1, got 2',
  ],
  ['scenarios-null', (r) => Object.assign(r, { scenarios: null }), 'scenarios: expected an array'],
  ['scenarios-string', (r) => Object.assign(r, { scenarios: 's' }), 'scenarios: expected an array'],
  ['load-test-null', (r) => Object.assign(r, { loadTest: null }), 'loadTest: expected an object'],
];

describe('stampede compare: a summary.json with fields of the wrong type', () => {
  let dir: string;
  let good: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-compare-bad-'));
    const text = summaryToJson(summaryFixture(), 2);
    good = join(dir, 'good.json');
    await writeFile(good, text);
    for (const [name, change] of CORRUPT) {
      const raw = JSON.parse(text) as Raw;
      change(raw);
      await writeFile(join(dir, `${name}.json`), JSON.stringify(raw));
    }
  });

  it('the real summary against itself compares (exit 0)', async () => {
    const r = await runCli(['compare', good, good]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.each(CORRUPT.map(([name, , message]) => [name, message]))(
    '%s, as baseline and as current: exit 2, "%s"',
    async (name, message) => {
      const bad = join(dir, `${name}.json`);
      for (const args of [
        [good, bad],
        [bad, good],
      ]) {
        const r = await runCli(['compare', ...args]);
        expect(r.stderr).toBe(`stampede: ${bad}: ${message}\n`);
        expect(r.stdout).toBe('');
        expect(r.code).toBe(2);
      }
    },
  );

  it('a device as a summary (/dev/zero) is refused at once with exit 2, not read until memory runs out', async () => {
    const r = await runCli(['compare', good, '/dev/zero'], 20_000);
    expect(r.stderr).toBe('stampede: /dev/zero is a character device, not a regular file\n');
    expect(r.code).toBe(2);
  });
});
