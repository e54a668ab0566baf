/**
 * What the observer remembers about each LoadTest's shards between reconciles: the last good snapshot (so a
 * runner that crashes still counts), why a shard was found lost by its own answer, and how many intervals
 * of its snapshot were already checked. Kept per uid and dropped by forget(), which the observer calls once
 * a LoadTest is gone or reported, so the maps do not grow for the controller's lifetime.
 */
import type { ShardSnapshot } from '../metrics/snapshot.js';

export interface ShardRecord {
  snapshot?: ShardSnapshot;
  /** The shard's answer was unusable (malformed snapshot, failed setup): it stays lost for this reason. */
  problem?: string;
  /** The runner said a signal cut its run short (its pod was deleted or evicted): lost, with the signal. */
  interrupted?: string;
  /** The runner's spec.postgres.teardown failed after its load (the load's results stand). */
  teardownError?: string;
  /** Intervals of `snapshot` whose histograms were decoded once already. */
  checkedIntervals: number;
}

export class ShardMemory {
  private readonly byUid = new Map<string, Map<number, ShardRecord>>();
  private readonly uidByKey = new Map<string, string>();

  /** Whether anything is remembered for this LoadTest (false after a controller restart). */
  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  /** The shard records of one LoadTest (created empty), remembering which key it was observed under. */
  shards(key: string, uid: string): Map<number, ShardRecord> {
    this.uidByKey.set(key, uid);
    let shards = this.byUid.get(uid);
    if (!shards) {
      shards = new Map();
      this.byUid.set(uid, shards);
    }
    return shards;
  }

  /** The uid last observed under `namespace/name`, if any. */
  uidOf(key: string): string | undefined {
    return this.uidByKey.get(key);
  }

  forget(uid: string): void {
    this.byUid.delete(uid);
    for (const [key, u] of this.uidByKey) if (u === uid) this.uidByKey.delete(key);
  }

  /** LoadTests remembered: 0 once every one was deleted or reported. */
  get size(): number {
    return Math.max(this.byUid.size, this.uidByKey.size);
  }
}
