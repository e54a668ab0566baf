/**
 * A summary.json read back (`stampede compare`, spec.baseline's ConfigMap, which anyone who may write
 * ConfigMaps in the namespace controls) is checked before use: every field that the comparability check, the
 * comparison and the comparison's report lines read has its type, and numbers are finite and not negative
 * (NaN or a string would make every comparison "pass", then break the report). Pure; the first problem is
 * returned with its path, such as `latency.p95Ms: expected a number or null`.
 */
import { summaryFromJson } from './summary-json.js';
import { SUMMARY_SCHEMA_VERSION, type Summary } from './summary-model.js';

/** The problem with `value` at `path`, or undefined when it is fine. */
type Check = (value: unknown, path: string) => string | undefined;

const string: Check = (v, path) => (typeof v === 'string' ? undefined : `${path}: expected a string`);

function number(opts: { whole?: boolean; max?: number; nullable?: boolean } = {}): Check {
  const range = `${opts.whole ? 'a whole number' : 'a number'} >= 0${opts.max === undefined ? '' : ` and <= ${opts.max}`}`;
  return (v, path) => {
    if (v === null && opts.nullable) return undefined;
    if (typeof v !== 'number') return `${path}: expected a number${opts.nullable ? ' or null' : ''}`;
    const ok =
      Number.isFinite(v) &&
      v >= 0 &&
      v <= (opts.max ?? Number.MAX_VALUE) &&
      (!opts.whole || Number.isInteger(v));
    return ok ? undefined : `${path}: expected ${range}, got ${v}`;
  };
}

/** Only the object's own fields count: `{}` has no `constructor` worth reading. */
function object(shape: Record<string, Check>): Check {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path}: expected an object`;
    const own = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(shape)) {
      const problem = check(Object.hasOwn(own, key) ? own[key] : undefined, path ? `${path}.${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  };
}

function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return `${path}: expected an array`;
    for (const [i, x] of v.entries()) {
      const problem = item(x, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** A latency figure: null in the file when nothing was measured (compare then says "no data"). */
const figure = number({ nullable: true });
const whole = number({ whole: true });

/** What compare-match.ts, compare.ts (metricValue) and the comparison's rows read. */
const SUMMARY_FIELDS = object({
  loadTest: object({ name: string }),
  scenarios: arrayOf(object({ name: string, plan: string })),
  latency: object({ count: whole, p50Ms: figure, p95Ms: figure, p99Ms: figure, maxMs: figure }),
  totals: object({ requests: whole, rps: number(), errorRate: number({ max: 1 }) }),
});

/** Checks that parsed JSON is a Stampede summary this version can compare; the problem otherwise. */
export function asSummary(value: unknown): Summary | string {
  const s = value as Partial<Summary> | null;
  if (!s || typeof s !== 'object' || Array.isArray(s) || s.kind !== 'StampedeSummary')
    return 'not a Stampede summary.json (kind is not StampedeSummary)';
  if (s.schemaVersion !== SUMMARY_SCHEMA_VERSION)
    return `summary schemaVersion ${JSON.stringify(s.schemaVersion)?.slice(0, 40)} is not supported (${SUMMARY_SCHEMA_VERSION} is)`;
  return SUMMARY_FIELDS(value, '') ?? (value as Summary);
}

/** summary.json text read back (a stored report): the summary, or what makes it unreadable. */
export function readSummary(text: string): Summary | string {
  let parsed: unknown;
  try {
    parsed = summaryFromJson(text);
  } catch {
    return 'not JSON';
  }
  return asSummary(parsed);
}
