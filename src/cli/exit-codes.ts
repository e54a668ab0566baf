/** Process exit codes, documented in the README. */
export const EXIT = {
  /** The run completed and every threshold passed. */
  PASSED: 0,
  /** Runtime failure: a shard was lost, the generator crashed, an output could not be written. */
  RUNTIME_FAILURE: 1,
  /** Invalid input: bad manifest, bad options, unreadable file. Nothing was run. */
  INVALID_INPUT: 2,
  /** A threshold or a gate failed (an abortOnFail abort, no successful request, the default error budget). */
  THRESHOLDS_FAILED: 99,
  /** Interrupted with Ctrl-C; the report still holds everything measured. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (CI, Kubernetes); the report still holds everything measured. */
  TERMINATED: 143,
} as const;
