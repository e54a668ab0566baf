/** A step's retry policy: which answers to retry, how often, and how long to pause before each retry. */
import { durationUs } from '../api/duration.js';
import type { RetrySpec } from '../api/schema.js';

export const DEFAULT_RETRY_BACKOFF = '100ms';
export const DEFAULT_RETRY_MAX_BACKOFF = '5s';

export interface CompiledRetry {
  /** Retries after the first attempt. */
  readonly max: number;
  /** `status` is 0 for a transport error; `errorClass` is undefined when the attempt passed. */
  matches(status: number, errorClass: string | undefined): boolean;
  /** Pause before retry number `attempt` + 1: exponential from `backoff`, capped at `maxBackoff`. */
  backoffMs(attempt: number): number;
}

export function compileRetry(spec: RetrySpec | undefined): CompiledRetry | undefined {
  if (!spec) return undefined;
  const statuses = new Set(spec.statuses ?? []);
  const errors = new Set<string>(spec.errors ?? []);
  const baseMs = durationUs(spec.backoff ?? DEFAULT_RETRY_BACKOFF) / 1000;
  const capMs = durationUs(spec.maxBackoff ?? DEFAULT_RETRY_MAX_BACKOFF) / 1000;
  return {
    max: spec.max,
    matches: (status, errorClass) =>
      statuses.has(status) || (errorClass !== undefined && errors.has(errorClass)),
    backoffMs: (attempt) => Math.min(capMs, baseMs * 2 ** attempt),
  };
}
