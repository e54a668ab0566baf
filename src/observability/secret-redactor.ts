/**
 * The run's redaction hook: every secret value known to the run (spec.env entries from Secrets) is replaced
 * by `[redacted]` in text that leaves the process (error samples, reports, logs). Values shorter than
 * MIN_SECRET_LENGTH are left alone: replacing "1" everywhere would garble numbers and hide nothing.
 */
export const REDACTED = '[redacted]';
const MIN_SECRET_LENGTH = 4;

export type Redact = (text: string) => string;

export function createRedactor(secrets: Iterable<string>): Redact {
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  // Also the JSON-escaped spelling, for text that went through JSON.stringify.
  const spellings = [...new Set(values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))];
  return (text) => {
    let out = text;
    for (const s of spellings) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** A JSON-safe value with every string redacted (summaries before they are printed or written). */
export function redactJson<T>(value: T, redact: Redact): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
