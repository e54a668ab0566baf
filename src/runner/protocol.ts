/** What GET /snapshot returns: the runner's own account of where it is, plus its cumulative snapshot. */
import type { ShardSnapshot } from '../metrics/snapshot.js';

export interface RunnerState {
  /** waiting: ready, not started; running: load in progress; done: finished, final snapshot. */
  state: 'waiting' | 'running' | 'done';
  /** The shared start instant (epoch ms) once /start was accepted. */
  startAt?: number;
  snapshot: ShardSnapshot;
}
