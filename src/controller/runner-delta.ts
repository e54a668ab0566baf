/**
 * Joining a runner's interval delta (GET /snapshot?intervalsFrom=N, metrics/snapshot-delta.ts) onto the
 * snapshot the controller already holds for that shard. Pure.
 */

import type { ShardSnapshot } from '../metrics/snapshot.js';
import { joinIntervals } from '../metrics/snapshot-delta.js';
import type { RunnerState } from '../runner/protocol.js';

/** Which interval to ask from: the count already held, when there is a snapshot to join onto. */
export function intervalsToAsk(known: ShardSnapshot | undefined): number | undefined {
  return known ? known.intervals.length : undefined;
}

/** How many of the answer's intervals were checked before (their histograms need no second decode). */
export function alreadyChecked(answer: unknown, checkedIntervals: number): number {
  const from = (answer as { intervalsFrom?: unknown } | null)?.intervalsFrom;
  return typeof from === 'number' ? Math.max(0, checkedIntervals - from) : checkedIntervals;
}

/**
 * The runner's state with its whole snapshot: as answered when it is whole (no intervalsFrom: an older
 * runner, or no delta asked), else the held intervals up to intervalsFrom plus the fresh ones. Undefined when
 * the delta cannot be joined: another runner process or run answered (a replaced pod), or the index is off;
 * the caller then asks for the whole snapshot.
 */
export function withKnownIntervals(
  state: RunnerState,
  known: ShardSnapshot | undefined,
): RunnerState | undefined {
  const { intervalsFrom, ...whole } = state;
  if (intervalsFrom === undefined) return state;
  if (
    !known ||
    known.process.key !== state.snapshot.process.key ||
    known.startedAtMs !== state.snapshot.startedAtMs
  )
    return undefined;
  const intervals = joinIntervals(known.intervals, intervalsFrom, state.snapshot.intervals);
  return intervals ? { ...whole, snapshot: { ...state.snapshot, intervals } } : undefined;
}
