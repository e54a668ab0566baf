/** What GET /snapshot returns: the runner's own account of where it is, plus its cumulative snapshot. */
import type { ShardSnapshot } from '../metrics/snapshot.js';

export const RUNNER_STATES = ['preparing', 'waiting', 'running', 'done', 'failed'] as const;
/** Signals that cut a started run short: the kubelet's SIGTERM (pod deleted, evicted, past its deadline). */
export const RUNNER_INTERRUPTS = ['SIGTERM'] as const;

export interface RunnerState {
  /**
   * preparing: running spec.postgres.setup (shard 0), not ready to start; waiting: ready, not started;
   * running: load in progress, or its spec.postgres.teardown (shard 0); done: finished, final snapshot;
   * failed: could not start (see `error`).
   */
  state: (typeof RUNNER_STATES)[number];
  /** The shared start instant (epoch ms) once /start was accepted. */
  startAt?: number;
  /** Why the runner cannot run (state failed), for example the setup script's error. */
  error?: string;
  /**
   * Set when a signal stopped the run before its planned end (not the controller's /stop): the final
   * snapshot holds everything measured, but the shard did not run its share.
   */
  interrupted?: (typeof RUNNER_INTERRUPTS)[number];
  /**
   * spec.postgres.teardown failed after the load (shard 0, state done): the measurements stand, the report
   * says the database was not cleaned up.
   */
  teardownError?: string;
  snapshot: ShardSnapshot;
  /**
   * Present when the caller asked for ?intervalsFrom=N: snapshot.intervals starts at index N (clamped to what
   * the runner has); everything else is cumulative as always (metrics/snapshot-delta.ts).
   */
  intervalsFrom?: number;
}
