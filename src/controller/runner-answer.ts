/**
 * A runner's GET /snapshot answer, checked before the controller relies on it. A malformed answer makes that
 * shard lost with the reason; it never reaches mergeSnapshots. Pure.
 */
import { checkSnapshot } from '../metrics/snapshot-check.js';
import { RUNNER_INTERRUPTS, RUNNER_STATES, type RunnerState } from '../runner/protocol.js';

export type RunnerAnswer = { ok: true; state: RunnerState } | { ok: false; problem: string };

/** Longest runner error message kept: it ends up in status, Events and the report. */
const MAX_ERROR_CHARS = 1000;

export function checkRunnerAnswer(
  value: unknown,
  shard: { index: number; total: number },
  checkedIntervals = 0,
): RunnerAnswer {
  const bad = (problem: string): RunnerAnswer => ({ ok: false, problem: `malformed snapshot: ${problem}` });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('expected an object');
  const v = value as Record<string, unknown>;
  if (!RUNNER_STATES.includes(v.state as RunnerState['state']))
    return bad(`state: expected one of ${RUNNER_STATES.join(', ')}`);
  if (v.startAt !== undefined && (typeof v.startAt !== 'number' || !Number.isFinite(v.startAt)))
    return bad('startAt: expected epoch milliseconds');
  if (v.error !== undefined && typeof v.error !== 'string') return bad('error: expected a string');
  if (v.teardownError !== undefined && typeof v.teardownError !== 'string')
    return bad('teardownError: expected a string');
  if (v.interrupted !== undefined && !RUNNER_INTERRUPTS.includes(v.interrupted as 'SIGTERM'))
    return bad(`interrupted: expected one of ${RUNNER_INTERRUPTS.join(', ')}`);
  const snapshot = checkSnapshot(v.snapshot, { shard, checkedIntervals });
  if (!snapshot.ok) return bad(`snapshot ${snapshot.problem}`);
  const state = v as unknown as RunnerState;
  const clipped = {
    ...(state.error ? { error: state.error.slice(0, MAX_ERROR_CHARS) } : {}),
    ...(state.teardownError ? { teardownError: state.teardownError.slice(0, MAX_ERROR_CHARS) } : {}),
  };
  return { ok: true, state: { ...state, ...clipped } };
}
