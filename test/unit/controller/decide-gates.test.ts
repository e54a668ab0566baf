import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed } from '../../../src/controller/model.js';
import { doneRunner, loadTestSpec, NOW, observedLoadTest } from '../../helpers/observed.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

/** Two runners done, every request of both a failure; the LoadTest sets no thresholds. */
function allFailed(): Observed {
  const runners = [0, 1].map((index) =>
    doneRunner(index, shardSnapshot(index, 2, { requests: 50, failures: 50, done: true })),
  );
  return observedLoadTest(loadTestSpec(2), {
    job: { createdAtMs: NOW - 20_000, failedIndexes: [] },
    runners,
  });
}

describe('decide: gates in the cluster', () => {
  it('a run where every request failed ends with verdict Failed and says which gate', () => {
    const o = allFailed();
    const write = decide(o, DEFAULT_SETTINGS).actions.find((a) => a.kind === 'writeReport');
    if (write?.kind !== 'writeReport') throw new Error('no report written');
    expect(write.summary.verdict).toBe('failed');
    const next = decide({ ...o, report: write.summary }, DEFAULT_SETTINGS);
    expect(next.status).toMatchObject({ phase: 'Succeeded', verdict: 'Failed' });
    expect(next.status.message).toMatch(/gate failed: successful requests >= 1 \(actual 0\)/);
    expect(next.status.conditions?.find((c) => c.type === 'ThresholdsPassed')).toMatchObject({
      status: 'Unknown',
      reason: 'NoThresholds',
    });
  });
});
