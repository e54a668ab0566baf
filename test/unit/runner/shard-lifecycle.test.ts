import { describe, expect, it } from 'vitest';
import {
  decideStart,
  exitCodeBeforeStart,
  RUNNER_NEVER_STARTED,
  RUNNER_SETUP_FAILED,
  runnerState,
} from '../../../src/runner/shard-lifecycle.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

/** The runner's lifecycle decisions: which /start begins the run, what /snapshot says, which exit code. */
const window = { aheadMs: 60_000, behindMs: 30_000 };
const now = Date.UTC(2026, 0, 1);
const ready = { prepared: true, setupError: undefined, startAt: undefined, runEnded: false };

describe('runner lifecycle decisions', () => {
  it('a /start before setup finished is refused with the setup state', () => {
    expect(decideStart({ ...ready, prepared: false }, now, now, window)).toEqual({
      begin: false,
      reply: { accepted: false, message: 'spec.postgres.setup has not finished' },
    });
    expect(decideStart({ ...ready, prepared: false, setupError: 'no such table' }, now, now, window)).toEqual(
      { begin: false, reply: { accepted: false, message: 'no such table' } },
    );
  });

  it('a plausible instant begins the run; one outside the window is implausible', () => {
    expect(decideStart(ready, now + 5_000, now, window)).toEqual({ begin: true });
    expect(decideStart(ready, now - 29_000, now, window)).toEqual({ begin: true });
    expect(decideStart(ready, now + 61_000, now, window)).toEqual({
      begin: false,
      reply: { accepted: false, implausible: true, message: 'startAt is more than 60 s in the future' },
    });
  });

  it('a repeated /start is accepted only for the same instant', () => {
    const started = { ...ready, startAt: now };
    const message = `already started at ${new Date(now).toISOString()}`;
    expect(decideStart(started, now, now, window)).toEqual({
      begin: false,
      reply: { accepted: true, message },
    });
    expect(decideStart(started, now + 1, now, window)).toEqual({
      begin: false,
      reply: { accepted: false, message },
    });
  });

  it('/snapshot reports failed, preparing, waiting, running and done', () => {
    const running = shardSnapshot(0, 1, { requests: 1 });
    const done = shardSnapshot(0, 1, { requests: 1, done: true });
    expect(runnerState({ ...ready, setupError: 'boom' }, running)).toEqual({
      state: 'failed',
      error: 'boom',
      snapshot: running,
    });
    expect(runnerState({ ...ready, prepared: false }, running).state).toBe('preparing');
    expect(runnerState(ready, running)).toEqual({ state: 'waiting', snapshot: running });
    expect(runnerState({ ...ready, startAt: now }, running)).toEqual({
      state: 'running',
      startAt: now,
      snapshot: running,
    });
    expect(runnerState({ ...ready, startAt: now, runEnded: true }, done).state).toBe('done');
  });

  it('load ended but the teardown still runs: running; then done, with the teardown error', () => {
    const done = shardSnapshot(0, 1, { requests: 1, done: true });
    const tearingDown = { ...ready, startAt: now, teardownError: undefined };
    expect(runnerState(tearingDown, done).state).toBe('running');
    const failed = { ...tearingDown, runEnded: true, teardownError: 'spec.postgres.teardown failed: x' };
    expect(runnerState(failed, done)).toEqual({
      state: 'done',
      startAt: now,
      teardownError: 'spec.postgres.teardown failed: x',
      snapshot: done,
    });
  });

  it('exit codes of a runner that never started', () => {
    expect(exitCodeBeforeStart(false, 'setup failed')).toBe(RUNNER_SETUP_FAILED);
    expect(exitCodeBeforeStart(true, undefined)).toBe(0);
    expect(exitCodeBeforeStart(false, undefined)).toBe(RUNNER_NEVER_STARTED);
  });

  it('a run a signal cut short says so in every /snapshot answer', () => {
    const snapshot = shardSnapshot(0, 1, { requests: 5, done: true });
    expect(runnerState({ ...ready, startAt: now, runEnded: true, interrupted: 'SIGTERM' }, snapshot)).toEqual(
      {
        state: 'done',
        startAt: now,
        interrupted: 'SIGTERM',
        snapshot,
      },
    );
    expect(runnerState({ ...ready, startAt: now }, snapshot)).not.toHaveProperty('interrupted');
  });
});
