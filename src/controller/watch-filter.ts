/**
 * Which LoadTest watch events need a reconcile. The controller's own status writes come back as MODIFIED
 * events; queueing those made each status write trigger the next reconcile at once, so a running test was
 * pulled as fast as the controller could go (8 pulls per runner per second with 10 runners in
 * bench/scale.mjs, not one per pullIntervalMs), and at hundreds of runners the loop took every core it could.
 * A change of status alone (same generation, deletion not begun) is therefore skipped: spec edits, deletion,
 * adds and relists still queue, and every decision that needs another look asks for it with requeueAfterMs.
 * Pure bookkeeping: events in, yes or no out.
 */
import type { ChangeType } from '../kube/list-watch.js';

export interface WatchedLoadTest {
  metadata: { name: string; namespace?: string; generation?: number; deletionTimestamp?: string };
}

export class LoadTestEventFilter {
  /** namespace/name -> what a reconcile last had reason to look at (generation and deletion). */
  private readonly seen = new Map<string, string>();

  wants(o: WatchedLoadTest, type: ChangeType): boolean {
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (type === 'DELETED') {
      this.seen.delete(key);
      return true;
    }
    const fingerprint = `${o.metadata.generation ?? ''}|${o.metadata.deletionTimestamp ?? ''}`;
    const before = this.seen.get(key);
    this.seen.set(key, fingerprint);
    // A relist (SYNC) or a first sight always queues: it heals whatever a watch may have missed.
    return type !== 'MODIFIED' || before !== fingerprint;
  }
}
