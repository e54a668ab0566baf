import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_EVERY_MS,
  CHECKPOINT_WRITES_PER_SECOND,
  CHECKPOINTS_PER_RECONCILE,
  checkpointActions,
  checkpointEveryMs,
} from '../../../src/controller/decide-checkpoint.js';
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

describe('checkpoint writes of a big test are bounded', () => {
  it('stretches the interval past 50 runners so one LoadTest writes at most 5 checkpoints a second', () => {
    expect(checkpointEveryMs(1)).toBe(CHECKPOINT_EVERY_MS);
    expect(checkpointEveryMs(50)).toBe(CHECKPOINT_EVERY_MS);
    expect(checkpointEveryMs(1000)).toBe(200_000);
    for (const n of [10, 100, 300, 1000])
      expect(n / (checkpointEveryMs(n) / 1000)).toBeLessThanOrEqual(CHECKPOINT_WRITES_PER_SECOND);
  });

  it('a running shard of 1,000 is not checkpointed again after 10 s, but after 200 s', () => {
    const many = (elapsedMs: number) =>
      Array.from({ length: 1000 }, (_, i) => runner(i, elapsedMs, false, { elapsedMs: 1000, done: false }));
    expect(checkpointActions(many(1000 + CHECKPOINT_EVERY_MS))).toEqual([]);
    expect(checkpointActions(many(1000 + 200_000))).toHaveLength(CHECKPOINTS_PER_RECONCILE);
  });

  it('writes at most CHECKPOINTS_PER_RECONCILE a reconcile, finished shards first, then never-saved ones', () => {
    const firstSight = Array.from({ length: 300 }, (_, i) => runner(i, 2000, false));
    const some = checkpointActions(firstSight);
    expect(some.map((a) => (a.kind === 'checkpoint' ? a.index : -1))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const mixed = [
      ...Array.from({ length: 20 }, (_, i) => runner(i, 30_000, false, { elapsedMs: 1000, done: false })),
      runner(20, 5000, false),
      runner(21, 60_000, true, { elapsedMs: 50_000, done: false }),
    ];
    const picked = checkpointActions(mixed).map((a) => (a.kind === 'checkpoint' ? a.index : -1));
    expect(picked).toContain(21);
    expect(picked).toContain(20);
    expect(picked).toHaveLength(CHECKPOINTS_PER_RECONCILE);
  });

  it('a shard a signal cut short is checkpointed with that signal', () => {
    const cut = { ...runner(0, 3000, true), interrupted: 'SIGTERM' as const };
    expect(checkpointActions([cut, runner(1, 3000, true)])).toMatchObject([
      { kind: 'checkpoint', index: 0, interrupted: 'SIGTERM' },
      { kind: 'checkpoint', index: 1 },
    ]);
    expect(checkpointActions([runner(1, 3000, true)])[0]).not.toHaveProperty('interrupted');
  });
});
