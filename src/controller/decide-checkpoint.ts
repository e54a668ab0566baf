/**
 * When to checkpoint a shard's snapshot (see checkpoints.ts). Pure. A finished shard's final snapshot is
 * stored once; a running shard's is stored on first sight and then every CHECKPOINT_EVERY_MS of its run, so
 * a controller restart while a runner dies loses at most that much of the dead shard's load, at a cost of
 * one small API write per shard per interval (stretched for big tests, see CHECKPOINT_WRITES_PER_SECOND).
 */
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { Action, ObservedRunner } from './model.js';

export const CHECKPOINT_EVERY_MS = 10_000;
/**
 * Checkpoint writes one LoadTest may cause per second, at most, while running: at 10 s per shard, 1,000
 * runners wrote 100 ConfigMaps a second (bench/scale.mjs). Past 50 runners each shard's interval stretches
 * instead (1,000 runners: every 200 s), trading restart safety of a shard that dies together with the
 * controller for apiserver and etcd load.
 */
export const CHECKPOINT_WRITES_PER_SECOND = 5;

/** How often each shard of a test with `runners` shards is checkpointed while it runs. */
export function checkpointEveryMs(runners: number): number {
  return Math.max(CHECKPOINT_EVERY_MS, Math.ceil((runners / CHECKPOINT_WRITES_PER_SECOND) * 1000));
}

/**
 * Checkpoint writes one reconcile makes at most: the actor writes them in turn before the status, so 300
 * shards falling due together held the status back ~9 s and the report ~12 s (bench/scale.mjs). The most
 * needed go first (a finished shard's final snapshot, then a shard never saved, then the longest unsaved);
 * the rest wait for the next reconcile, which staggers the shards by itself.
 */
export const CHECKPOINTS_PER_RECONCILE = 10;

export function checkpointActions(runners: readonly ObservedRunner[]): Action[] {
  const everyMs = checkpointEveryMs(runners.length);
  const due: { runner: ObservedRunner; snapshot: ShardSnapshot; rank: number }[] = [];
  for (const r of runners) {
    const snapshot = r.lastSnapshot;
    if (!snapshot || (snapshot.elapsedMs <= 0 && !snapshot.done)) continue;
    const saved = r.checkpoint;
    if (!saved) due.push({ runner: r, snapshot, rank: snapshot.done ? 2e12 : 1e12 });
    else if (snapshot.done && !saved.done) due.push({ runner: r, snapshot, rank: 2e12 });
    else if (!saved.done && snapshot.elapsedMs - saved.elapsedMs >= everyMs)
      due.push({ runner: r, snapshot, rank: snapshot.elapsedMs - saved.elapsedMs });
  }
  return due
    .sort((a, b) => b.rank - a.rank || a.runner.index - b.runner.index)
    .slice(0, CHECKPOINTS_PER_RECONCILE)
    .sort((a, b) => a.runner.index - b.runner.index)
    .map(({ runner, snapshot }) => ({
      kind: 'checkpoint',
      index: runner.index,
      snapshot,
      // A signal that cut the shard short must outlive the controller too, or a restart reads it as done.
      ...(runner.interrupted ? { interrupted: runner.interrupted } : {}),
    }));
}
