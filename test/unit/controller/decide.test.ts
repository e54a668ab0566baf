import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed, type ObservedRunner } from '../../../src/controller/model.js';
import type { RunnerState } from '../../../src/runner/protocol.js';
import { loadTestSpec, NOW, observedLoadTest, runnerPod } from '../../helpers/observed.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

function observed(overrides: Partial<Observed> = {}, spec: Record<string, unknown> = {}): Observed {
  return observedLoadTest(loadTestSpec(3, spec), overrides);
}

const pod = (index: number, phase = 'Running') => runnerPod(index, phase);

function runner(
  index: number,
  state?: RunnerState['state'],
  extra: Partial<ObservedRunner> = {},
): ObservedRunner {
  const snapshot = shardSnapshot(index, 3, { requests: 100 * (index + 1), done: state === 'done' });
  return {
    index,
    pod: pod(index),
    state: state ? { state, ...(state !== 'waiting' ? { startAt: NOW - 4000 } : {}), snapshot } : undefined,
    lastSnapshot: state && state !== 'waiting' ? snapshot : undefined,
    ...extra,
  };
}

describe('decide: provisioning and synchronized start', () => {
  it('creates the spec ConfigMap and the Job when nothing exists', () => {
    const d = decide(observed({ specConfigMapExists: false, job: undefined }), DEFAULT_SETTINGS);
    expect(d.actions.map((a) => a.kind)).toEqual(['createSpecConfigMap', 'createJob', 'event']);
    expect(d.status.phase).toBe('Provisioning');
    expect(d.status.conditions?.find((c) => c.type === 'RunnersReady')).toMatchObject({
      status: 'False',
      observedGeneration: 1,
    });
  });

  it('waits while some runners are not ready yet', () => {
    const d = decide(
      observed({ runners: [runner(0, 'waiting'), runner(1), runner(2, 'waiting')] }),
      DEFAULT_SETTINGS,
    );
    expect(d.actions).toEqual([]);
    expect(d.status).toMatchObject({
      phase: 'Provisioning',
      runners: { ready: 2, desired: 3, display: '2/3' },
    });
  });

  it('starts every runner at one shared instant once all are ready', () => {
    const d = decide(observed({ runners: [0, 1, 2].map((i) => runner(i, 'waiting')) }), DEFAULT_SETTINGS);
    expect(d.actions[0]).toEqual({
      kind: 'startRunners',
      indexes: [0, 1, 2],
      startAt: NOW + DEFAULT_SETTINGS.startLeadMs,
    });
    expect(d.status.phase).toBe('Ready');
    expect(d.status.startAt).toBe(new Date(NOW + DEFAULT_SETTINGS.startLeadMs).toISOString());
  });

  it('fails with the reason when runners are not ready by the deadline', () => {
    const stuck = { ...runner(2), pod: { ...pod(2, 'Pending'), reason: 'ImagePullBackOff' } };
    const d = decide(
      observed({
        job: { createdAtMs: NOW - DEFAULT_SETTINGS.readyTimeoutMs - 1, failedIndexes: [] },
        runners: [runner(0, 'waiting'), runner(1, 'waiting'), stuck],
      }),
      DEFAULT_SETTINGS,
    );
    expect(d.status.phase).toBe('Failed');
    expect(d.status.message).toMatch(
      /2 of 3 runners ready after 120s: runner 2: pod lt-runners-2 Pending \(ImagePullBackOff\)/,
    );
    expect(d.actions.map((a) => a.kind)).toEqual(['stopRunners', 'writeReport', 'event']);
    expect(d.actions.find((a) => a.kind === 'writeReport')).toMatchObject({ summary: { outcome: 'failed' } });
  });
});

describe('decide: running', () => {
  it('merges every runner into status: the request count is the sum over runners', () => {
    const d = decide(observed({ runners: [0, 1, 2].map((i) => runner(i, 'running')) }), DEFAULT_SETTINGS);
    expect(d.status.phase).toBe('Running');
    expect(d.status.requests).toBe(100 + 200 + 300);
    expect(d.status.runners).toMatchObject({ running: 3, ready: 3 });
    expect(d.status.p95Ms).toBeCloseTo(10, 1);
    expect(d.requeueAfterMs).toBe(DEFAULT_SETTINGS.pullIntervalMs);
  });

  it('sends the original start time to a runner that missed it (controller restarted mid fan-out)', () => {
    const d = decide(
      observed({ runners: [runner(0, 'running'), runner(1, 'waiting'), runner(2, 'running')] }),
      DEFAULT_SETTINGS,
    );
    expect(d.actions).toContainEqual({ kind: 'startRunners', indexes: [1], startAt: NOW - 4000 });
  });

  it('aborts every runner when an abortOnFail threshold fails on the merged data', () => {
    const runners = [0, 1, 2].map((i) => ({
      ...runner(i, 'running'),
      state: {
        state: 'running' as const,
        startAt: NOW - 4000,
        snapshot: shardSnapshot(i, 3, { requests: 100, failures: i === 0 ? 30 : 0 }),
      },
    }));
    const d = decide(
      observed({ runners }, { thresholds: { errors: [{ threshold: 'rate<0.05', abortOnFail: true }] } }),
      DEFAULT_SETTINGS,
    );
    // 30 failures of 300 requests is 10% merged, although shards 1 and 2 alone look perfect.
    expect(d.status.abortedBy).toBe('errors rate<0.05 failed (abortOnFail)');
    expect(d.actions).toContainEqual({ kind: 'stopRunners', indexes: [0, 1, 2] });
  });

  it('keeps a crashed runner’s last snapshot and finishes with the shard marked lost', () => {
    const crashed: ObservedRunner = {
      ...runner(1),
      pod: { ...pod(1, 'Failed'), reason: 'Error, exit 137' },
      state: undefined,
      lastSnapshot: shardSnapshot(1, 3, { requests: 200 }),
    };
    const d = decide(
      observed({ runners: [runner(0, 'done'), crashed, runner(2, 'done')] }),
      DEFAULT_SETTINGS,
    );
    const report = d.actions.find((a) => a.kind === 'writeReport');
    expect(report).toBeDefined();
    if (report?.kind !== 'writeReport') throw new Error('no report');
    expect(report.summary.totals.requests).toBe(100 + 200 + 300);
    expect(report.summary.outcome).toBe('failed');
    expect(report.summary.outcomeDetail).toMatch(/lost shard\(s\) 1/);
    expect(report.summary.shards.find((s) => s.index === 1)).toMatchObject({ lost: true });
  });

  it('names why a shard was lost when its pod says, such as a runner OOM-killed by its memory limit', () => {
    const oomKilled: ObservedRunner = {
      ...runner(1),
      pod: { ...pod(1, 'Failed'), reason: 'OOMKilled, exit 137' },
      state: undefined,
      lastSnapshot: shardSnapshot(1, 3, { requests: 200 }),
    };
    const d = decide(
      observed({ runners: [runner(0, 'done'), oomKilled, runner(2, 'done')] }),
      DEFAULT_SETTINGS,
    );
    const report = d.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error('no report');
    expect(report.summary.outcomeDetail).toBe(
      'lost shard(s) 1: shard 1: OOMKilled, exit 137; results include everything they reported before',
    );
  });

  it('a runner stopped early by SIGTERM (pod deleted) is a lost shard that says so, its snapshot kept', () => {
    const stopping = runner(1, 'running', { interrupted: 'SIGTERM' });
    const live = decide(
      observed({ runners: [runner(0, 'running'), stopping, runner(2, 'running')] }),
      DEFAULT_SETTINGS,
    );
    // While it winds down it is still running; lost once its final snapshot is in.
    expect(live.status.lostShards).toEqual([]);
    const terminated = runner(1, 'done', { interrupted: 'SIGTERM' });
    const d = decide(
      observed({ runners: [runner(0, 'done'), terminated, runner(2, 'done')] }),
      DEFAULT_SETTINGS,
    );
    const report = d.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error('no report');
    expect(report.summary.outcome).toBe('failed');
    expect(report.summary.outcomeDetail).toBe(
      'lost shard(s) 1: shard 1: stopped early by SIGTERM (pod deleted, evicted or past its deadline); results include everything they reported before',
    );
    expect(report.summary.shards.find((s) => s.index === 1)).toMatchObject({ lost: true, requests: 200 });
    expect(report.summary.totals.requests).toBe(100 + 200 + 300);
  });

  it('a failed Postgres teardown leaves the outcome completed and is said in its detail', () => {
    const teardownError = 'spec.postgres.teardown failed: relation "t" does not exist';
    const d = decide(
      observed({ runners: [runner(0, 'done', { teardownError }), runner(1, 'done'), runner(2, 'done')] }),
      DEFAULT_SETTINGS,
    );
    const report = d.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error('no report');
    expect(report.summary.outcome).toBe('completed');
    expect(report.summary.outcomeDetail).toBe(teardownError);
    expect(report.summary.totals.requests).toBe(600);
  });

  it('writes the report once every runner is done', () => {
    const d = decide(observed({ runners: [0, 1, 2].map((i) => runner(i, 'done')) }), DEFAULT_SETTINGS);
    expect(d.status.phase).toBe('Finishing');
    expect(d.actions.map((a) => a.kind)).toEqual(['writeReport', 'event']);
  });
});

describe('decide: finished', () => {
  it('takes the final status from the report and releases runners still waiting to exit', () => {
    const done = decide(observed({ runners: [0, 1, 2].map((i) => runner(i, 'done')) }), DEFAULT_SETTINGS);
    const report = done.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error('no report');
    const d = decide(
      observed({ runners: [0, 1, 2].map((i) => runner(i, 'done')), report: report.summary }),
      DEFAULT_SETTINGS,
    );
    expect(d.status).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Passed',
      requests: 600,
      progressPercent: 100,
      report: 'lt-report',
    });
    expect(d.actions).toEqual([{ kind: 'releaseRunners', indexes: [0, 1, 2] }]);
    expect(d.status.conditions?.find((c) => c.type === 'Completed')).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
    });
  });

  it('deletes the LoadTest after its TTL', () => {
    const done = decide(observed({ runners: [0, 1, 2].map((i) => runner(i, 'done')) }), DEFAULT_SETTINGS);
    const report = done.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error('no report');
    const later = observed({ nowMs: NOW + 61_000, runners: [], report: report.summary });
    expect(decide(later, { ...DEFAULT_SETTINGS, ttlAfterFinishedMs: 60_000 }).actions).toEqual([
      { kind: 'deleteLoadTest' },
    ]);
    expect(decide(later, { ...DEFAULT_SETTINGS, ttlAfterFinishedMs: 120_000 }).requeueAfterMs).toBe(59_000);
  });
});

describe('decide: PostgreSQL setup on shard 0', () => {
  it('waits while shard 0 is still preparing, and says so when time runs out', () => {
    const preparing: ObservedRunner = {
      ...runner(0),
      state: { state: 'preparing', snapshot: shardSnapshot(0, 3, { requests: 0 }) },
    };
    const d = decide(
      observed({ runners: [preparing, runner(1, 'waiting'), runner(2, 'waiting')] }),
      DEFAULT_SETTINGS,
    );
    expect(d.actions).toEqual([]);
    expect(d.status.phase).toBe('Provisioning');
    const late = decide(
      observed({
        job: { createdAtMs: NOW - DEFAULT_SETTINGS.readyTimeoutMs - 1, failedIndexes: [] },
        runners: [preparing, runner(1, 'waiting'), runner(2, 'waiting')],
      }),
      DEFAULT_SETTINGS,
    );
    expect(late.status.message).toMatch(/runner 0: still running spec\.postgres\.setup/);
  });

  it('fails the LoadTest with the setup error at once, before any start, and stops every runner', () => {
    const error = 'spec.postgres.setup failed: relation "x" does not exist';
    const failed: ObservedRunner = {
      ...runner(0),
      state: { state: 'failed', error, snapshot: shardSnapshot(0, 3, { requests: 0 }) },
      problem: error,
    };
    const d = decide(
      observed({ runners: [failed, runner(1, 'waiting'), runner(2, 'waiting')] }),
      DEFAULT_SETTINGS,
    );
    expect(d.status.phase).toBe('Failed');
    expect(d.status.message).toMatch(/runner 0: spec\.postgres\.setup failed: relation "x" does not exist/);
    expect(d.actions.some((a) => a.kind === 'startRunners')).toBe(false);
    expect(d.actions).toContainEqual({ kind: 'stopRunners', indexes: [0, 1, 2] });
  });
});

describe('decide: a report ConfigMap the LoadTest does not own', () => {
  it('fails with ReportConflict, creates nothing, stops runners already up', () => {
    const message = 'ConfigMap ns/lt-report exists and is not owned by this LoadTest';
    const d = decide(
      observed({ foreignReport: message, runners: [runner(0, 'running'), runner(1, 'running'), runner(2)] }),
      DEFAULT_SETTINGS,
    );
    expect(d.status).toMatchObject({ phase: 'Failed', message, verdict: 'Failed' });
    expect(d.actions).toEqual([
      { kind: 'stopRunners', indexes: [0, 1, 2] },
      { kind: 'event', type: 'Warning', reason: 'ReportConflict', message },
    ]);
    expect(d.status.conditions?.find((c) => c.type === 'Completed')).toMatchObject({
      status: 'False',
      reason: 'ReportConflict',
    });
  });
});
