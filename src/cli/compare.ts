/** `stampede compare BASE CURRENT`: judge a run's summary.json against a baseline's. */
import { COMPARED_METRICS, compareSummaries, DEFAULT_BOUNDS, parseBounds } from '../analysis/compare.js';
import { comparabilityProblems } from '../analysis/compare-match.js';
import { asSummary } from '../analysis/summary-check.js';
import { summaryFromJson } from '../analysis/summary-json.js';
import { FileReadError, readBoundedTextFile } from '../engine/bounded-file.js';
import { renderComparisonText } from '../report/compare-table.js';
import type { Summary } from '../report/summary.js';
import { parseArgs, UsageError } from './args.js';
import { EXIT } from './exit-codes.js';

export const COMPARE_USAGE = `usage: stampede compare BASELINE/summary.json CURRENT/summary.json [--max-regression METRIC=PCT]... [--json] [--force]

  --max-regression METRIC=PCT  the allowed regression (repeatable); METRIC is one of ${COMPARED_METRICS.join(', ')}.
                               Latencies may rise and rps may fall by PCT of the baseline; errorRate may rise
                               by PCT percentage points. Default when none is given: p95=10% errorRate=1% rps=10%
  --json                       print the comparison as JSON instead of a table
  --force                      compare even when the runs' LoadTest names, scenarios or plans differ
                               (refused otherwise, exit 2); the differences are printed as warnings
  exit code 0 when nothing regressed beyond its bound, 99 when something did, 2 on bad input`;

/** A day of per-second data is ~26 MB of summary.json; past this it is not one (and /dev/zero is refused). */
const SUMMARY_MAX_BYTES = 64 * 1024 * 1024;

function readSummary(file: string): Summary {
  let text: string;
  try {
    text = readBoundedTextFile(file, SUMMARY_MAX_BYTES);
  } catch (error) {
    if (error instanceof FileReadError) throw new UsageError(`${file} ${error.message}`);
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = summaryFromJson(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message})`);
  }
  const summary = asSummary(parsed);
  if (typeof summary === 'string') throw new UsageError(`${file}: ${summary}`);
  return summary;
}

export async function compareCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { repeated: ['max-regression'], flags: ['json', 'force'] });
  const [baseFile, currentFile] = args.positional;
  if (!baseFile || !currentFile || args.positional.length > 2) throw new UsageError(COMPARE_USAGE);
  const pairs = (args.repeated['max-regression'] ?? []).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--max-regression ${pair}: expected METRIC=PCT, such as p95=10%`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
  const parsed = parseBounds(pairs, (metric) => `--max-regression ${metric}`);
  if (!parsed.ok) throw new UsageError(parsed.problems.join('\n'));
  const bounds = pairs.length ? parsed.bounds : DEFAULT_BOUNDS;
  const [baseline, current] = [readSummary(baseFile), readSummary(currentFile)];
  const problems = comparabilityProblems(baseline, current);
  if (problems.length && !args.flags.has('force')) {
    throw new UsageError(
      `${baseFile} and ${currentFile} are not runs of the same test:\n  ${problems.join('\n  ')}\nuse --force to compare them anyway`,
    );
  }
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  const comparison = compareSummaries(baseline, current, bounds, baseFile);
  process.stdout.write(
    args.flags.has('json')
      ? `${JSON.stringify(comparison, null, 2)}\n`
      : `${renderComparisonText(comparison)}\n`,
  );
  return comparison.verdict === 'passed' ? EXIT.PASSED : EXIT.THRESHOLDS_FAILED;
}
