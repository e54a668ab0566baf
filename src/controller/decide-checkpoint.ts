/**
 * When to checkpoint a shard's snapshot (see checkpoints.ts). Pure. A finished shard's final snapshot is
 * stored once; a running shard's is stored on first sight and then every CHECKPOINT_EVERY_MS of its run, so
 * a controller restart while a runner dies loses at most that much of the dead shard's load, at a cost of
 * one small API write per shard per interval.
 */
import type { Action, ObservedRunner } from './model.js';

export const CHECKPOINT_EVERY_MS = 10_000;

export function checkpointActions(runners: readonly ObservedRunner[]): Action[] {
  return runners.flatMap((r): Action[] => {
    const snapshot = r.lastSnapshot;
    if (!snapshot || (snapshot.elapsedMs <= 0 && !snapshot.done)) return [];
    const saved = r.checkpoint;
    const due =
      !saved ||
      (snapshot.done && !saved.done) ||
      (!saved.done && snapshot.elapsedMs - saved.elapsedMs >= CHECKPOINT_EVERY_MS);
    return due ? [{ kind: 'checkpoint', index: r.index, snapshot }] : [];
  });
}
