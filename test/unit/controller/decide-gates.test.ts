import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed, type ObservedRunner } from '../../../src/controller/model.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

/** Two runners done, every request of both a failure; the LoadTest sets no thresholds. */
function allFailed(): Observed {
  const runners: ObservedRunner[] = [0, 1].map((index) => {
    const snapshot = shardSnapshot(index, 2, { requests: 50, failures: 50, done: true });
    return {
      index,
      pod: {
        name: `lt-runners-${index}`,
        phase: 'Running',
        ready: true,
        ip: '127.0.0.9',
        deleting: false,
        reason: undefined,
      },
      state: { state: 'done', startAt: NOW - 12_000, snapshot },
      lastSnapshot: snapshot,
    };
  });
  return {
    nowMs: NOW,
    loadTest: {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'lt', namespace: 'ns', uid: 'u1', generation: 1 },
      spec: {
        target: { baseURL: 'http://127.0.0.1:1' },
        runners: 2,
        scenarios: {
          s: { executor: 'constant-vus', vus: 2, duration: '10s', flow: [{ request: { url: '/' } }] },
        },
      },
    } as Observed['loadTest'],
    specConfigMapExists: true,
    job: { createdAtMs: NOW - 20_000, failedIndexes: [] },
    runners,
    report: undefined,
  };
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
