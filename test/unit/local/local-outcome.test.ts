import { describe, expect, it } from 'vitest';
import { LocalOutcome, lostShards } from '../../../src/local/local-outcome.js';

/** How a local run ends when Ctrl-C, an abortOnFail threshold, lost shards and teardown errors meet. */
describe('local run outcome', () => {
  it('completes when nothing happened', () => {
    const outcome = new LocalOutcome();
    outcome.loseShards([], '');
    outcome.addDetail(undefined);
    expect({ ...outcome }).toEqual({ outcome: 'completed', detail: undefined });
  });

  it('an abortOnFail threshold wins over shards lost while stopping', () => {
    const outcome = new LocalOutcome();
    outcome.abortByThreshold('http_req_duration', 'p(95)<10');
    outcome.interrupt();
    outcome.loseShards([1], 'worker exited with code 1');
    expect({ ...outcome }).toEqual({
      outcome: 'aborted-by-threshold',
      detail: 'http_req_duration p(95)<10 failed (abortOnFail)',
    });
  });

  it('Ctrl-C is kept as the outcome, and teardown errors add to its detail', () => {
    const outcome = new LocalOutcome();
    outcome.interrupt();
    outcome.loseShards([0], 'gone');
    outcome.addDetail('teardown: connection refused');
    expect({ ...outcome }).toEqual({
      outcome: 'interrupted',
      detail: 'stopped by the user; teardown: connection refused',
    });
  });

  it('lost shards fail the run with their indexes and reasons', () => {
    const results: PromiseSettledResult<number>[] = [
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('worker exited with code 1') },
      { status: 'rejected', reason: new Error('out of memory') },
    ];
    const { lost, why } = lostShards(results);
    expect(lost).toEqual([1, 2]);
    const outcome = new LocalOutcome();
    outcome.loseShards(lost, why);
    expect(outcome.outcome).toBe('failed');
    expect(outcome.detail).toBe(
      'lost shard(s) 1, 2: worker exited with code 1; out of memory; results include everything they reported before',
    );
  });
});
