/** Durations in manifests are strings such as `500ms`, `30s`, `1m30s` or `2h`. Internally we use microseconds. */

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(us|ms|s|m|h))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)/g;

const US_PER_UNIT: Record<string, number> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

export const DURATION_HINT = 'a non-negative duration such as 500ms, 30s, 1m30s or 2h';

/**
 * The longest duration a manifest may give anywhere: 576h (24 days), just under Node's largest timer
 * (2^31-1 ms), so a single wait is never cut short. Waits that add durations up are chunked (engine/timers).
 */
export const MAX_DURATION_US = 576 * 3_600_000_000;
export const MAX_DURATION_TEXT = '576h';
/** Rates are per timeUnit (default 1s); the shortest unit keeps a rate meaningful and finite. */
export const DEFAULT_TIME_UNIT = '1s';
export const MIN_TIME_UNIT_US = 1_000;
/** Iterations per second one scenario may ask for, across all shards (rate / timeUnit). */
export const MAX_RATE_PER_SECOND = 1_000_000;

/** Returns microseconds, or undefined when the text is not a duration. */
export function parseDurationUs(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let totalUs = 0;
  for (const match of text.matchAll(PART_RE)) {
    totalUs += Number(match[1]) * (US_PER_UNIT[match[2] as string] as number);
  }
  return Math.round(totalUs);
}

/** For values already validated by the schema. */
export function durationUs(text: string): number {
  const us = parseDurationUs(text);
  if (us === undefined) throw new Error(`not a duration: ${text}`);
  return us;
}

export function formatDurationUs(us: number): string {
  if (us < 1_000) return `${us}us`;
  if (us < 1_000_000) return `${+(us / 1_000).toFixed(2)}ms`;
  if (us < 60_000_000) return `${+(us / 1_000_000).toFixed(2)}s`;
  const totalS = Math.round(us / 1_000_000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return s ? `${m}m${s}s` : `${m}m`;
}
