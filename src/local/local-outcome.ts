/**
 * How a local run ends. Ctrl-C, an abortOnFail threshold and lost shards can each decide it; the first one wins,
 * and setup or teardown errors add to the detail. Pure: no I/O, no clock.
 */

import { lostShardsDetail, withDetails } from '../report/outcome.js';
import type { RunOutcome } from '../report/summary.js';

export class LocalOutcome {
  outcome: RunOutcome = 'completed';
  detail: string | undefined;

  /** Ctrl-C (or another abort of the run's signal). */
  interrupt(): void {
    if (this.outcome !== 'completed') return;
    this.outcome = 'interrupted';
    this.detail = 'stopped by the user';
  }

  abortByThreshold(metric: string, threshold: string): void {
    this.outcome = 'aborted-by-threshold';
    this.detail = `${metric} ${threshold} failed (abortOnFail)`;
  }

  /** Shards whose worker failed; only when nothing else decided the outcome first. */
  loseShards(lost: readonly number[], why: string): void {
    if (!lost.length || this.outcome !== 'completed') return;
    this.outcome = 'failed';
    this.detail = lostShardsDetail(lost, why);
  }

  /** An error that does not change the outcome but belongs in its detail (Postgres teardown). */
  addDetail(extra: string | undefined): void {
    this.detail = withDetails(this.detail, [extra]);
  }
}

/** The shards whose `done` rejected, and their reasons joined for the outcome detail. */
export function lostShards<T>(results: readonly PromiseSettledResult<T>[]): { lost: number[]; why: string } {
  const lost: number[] = [];
  const reasons: string[] = [];
  results.forEach((result, index) => {
    if (result.status !== 'rejected') return;
    lost.push(index);
    reasons.push((result.reason as Error).message);
  });
  return { lost, why: reasons.join('; ') };
}

/**
 * How long load ran, ms. A lost shard's last full snapshot can be seconds old or missing (one every few
 * seconds), which made a run lost after 16 s read "failed after 0s": it counts until it was lost, on the
 * coordinator's clock (epoch ms, as the start). Lost before the start, it adds nothing.
 */
export function loadElapsedMs(
  snapshotsElapsedMs: number,
  startAtEpochMs: number,
  lostAtEpochMs: readonly (number | undefined)[],
): number {
  const lost = lostAtEpochMs.filter((t): t is number => t !== undefined).map((t) => t - startAtEpochMs);
  return Math.max(0, snapshotsElapsedMs, ...lost);
}
