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
