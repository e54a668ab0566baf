import { describe, expect, it } from 'vitest';
import { CHECKPOINT_EVERY_MS, checkpointActions } from '../../../src/controller/decide-checkpoint.js';
import type { ObservedRunner } from '../../../src/controller/model.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

const runner = (
  index: number,
  elapsedMs: number,
  done: boolean,
  checkpoint?: ObservedRunner['checkpoint'],
): ObservedRunner => ({
  index,
  pod: undefined,
  state: undefined,
  lastSnapshot: shardSnapshot(index, 4, { requests: 10, done, elapsedMs }),
  ...(checkpoint ? { checkpoint } : {}),
});

describe('when each shard is checkpointed', () => {
  it('on first sight, every CHECKPOINT_EVERY_MS of its run, and once more when it is done', () => {
    const actions = checkpointActions([
      runner(0, 1000, false),
      runner(1, 1000 + CHECKPOINT_EVERY_MS - 1, false, { elapsedMs: 1000, done: false }),
      runner(2, 1000 + CHECKPOINT_EVERY_MS, false, { elapsedMs: 1000, done: false }),
      runner(3, 5000, true, { elapsedMs: 4000, done: false }),
    ]);
    expect(actions.map((a) => (a.kind === 'checkpoint' ? a.index : -1))).toEqual([0, 2, 3]);
  });

  it('never again once the final snapshot is stored, and not before a shard has any load', () => {
    const noLoad: ObservedRunner = {
      ...runner(1, 0, false),
      lastSnapshot: shardSnapshot(1, 4, { requests: 0, elapsedMs: 0 }),
    };
    expect(
      checkpointActions([
        runner(0, 99_000, true, { elapsedMs: 9000, done: true }),
        noLoad,
        { ...noLoad, lastSnapshot: undefined },
      ]),
    ).toEqual([]);
  });
});
