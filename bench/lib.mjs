// Small helpers shared by the bench scripts.

/** Exits with a message a person can act on: benchmarks are run by hand, not by the test runner. */
export function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** A positive integer from the environment (RUNS, DURATION_S, ...), or the default. */
export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The median; the mean of the middle two for an even count. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
