import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed } from '../../../src/controller/model.js';
import { statusMergePatch } from '../../../src/controller/status-patch.js';
import { ShardRecorder } from '../../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../../src/metrics/snapshot.js';
import { doneRunner, loadTestSpec, NOW, observedLoadTest } from '../../helpers/observed.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

/** A finished shard whose every request was refused: requests counted, no latency recorded. */
function refusedShard(index: number, total: number): ShardSnapshot {
  const recorder = new ShardRecorder(index, total, { cores: 2, threads: 1 });
  recorder.scenario('s', 'constant-vus', 'closed');
  const step = recorder.step('s', 'get', 'closed');
  for (let i = 0; i < 40; i++) step.transportError('refused', 'connect ECONNREFUSED', 0);
  recorder.finish();
  const snapshot = recorder.snapshot();
  return { ...snapshot, process: { ...snapshot.process, key: `host-${index}` }, elapsedMs: 10_000 };
}

/** Two runners done; `status` is what the LoadTest held before (a figure from an earlier write). */
function observed(snapshots: ShardSnapshot[], status: Record<string, unknown>): Observed {
  return observedLoadTest(
    loadTestSpec(2),
    {
      job: { createdAtMs: NOW - 20_000, failedIndexes: [] },
      runners: snapshots.map((s, index) => doneRunner(index, s)),
    },
    status,
  );
}

/** The status of the decision after the report is written, and the merge patch that would store it. */
function finalStatus(o: Observed) {
  const write = decide(o, DEFAULT_SETTINGS).actions.find((a) => a.kind === 'writeReport');
  if (write?.kind !== 'writeReport') throw new Error('no report written');
  const status = decide({ ...o, report: write.summary }, DEFAULT_SETTINGS).status;
  return { status, patch: statusMergePatch(o.loadTest.status ?? {}, status) };
}

describe('LoadTest status without a latency sample', () => {
  it('a run where nothing was answered has no p50/p95/p99, and the write removes stored ones', () => {
    const stale = { phase: 'Running', p50Ms: 3, p95Ms: 7, p99Ms: 9, requests: 10 };
    const { status, patch } = finalStatus(observed([refusedShard(0, 2), refusedShard(1, 2)], stale));
    expect(status.requests).toBe(80);
    expect(status.p95Ms).toBeUndefined();
    expect(JSON.parse(JSON.stringify(status))).not.toHaveProperty('p95Ms');
    // A merge patch keeps a key it leaves out: the stale 7 ms would stay on `kubectl get lt`.
    expect(patch).toMatchObject({ p50Ms: null, p95Ms: null, p99Ms: null, requests: 80 });
  });

  it('a run with answers keeps its figures, and the patch nulls nothing it sets', () => {
    const answered = [0, 1].map((i) => shardSnapshot(i, 2, { requests: 20, latencyUs: 12_000, done: true }));
    const { status, patch } = finalStatus(observed(answered, { phase: 'Running', p95Ms: 1 }));
    expect(status.p95Ms).toBeGreaterThan(11);
    expect(patch.p95Ms).toBe(status.p95Ms);
    expect(Object.values(patch)).not.toContain(null);
  });
});

describe('statusMergePatch', () => {
  it('sends null only for stored keys the next status has no value for', () => {
    expect(
      statusMergePatch(
        { p95Ms: 5, rps: 2, phase: 'Running' },
        { rps: 3, phase: 'Running', p95Ms: undefined },
      ),
    ).toEqual({
      rps: 3,
      phase: 'Running',
      p95Ms: null,
    });
    expect(statusMergePatch({}, { rps: 3 })).toEqual({ rps: 3 });
  });
});
