/**
 * A runner that answers GET /snapshot with something malformed: the controller's observe path (a real HTTP
 * server playing the runner) turns it into a problem, and decide marks that shard lost with the reason and
 * finishes the test with everything the other shards measured. Nothing throws, nothing is stuck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed, type ObservedRunner } from '../../src/controller/model.js';
import { fetchRunnerAnswer } from '../../src/controller/observe.js';
import { checkRunnerAnswer } from '../../src/controller/runner-answer.js';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { shardSnapshot } from '../helpers/snapshots.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

function observed(runners: ObservedRunner[]): Observed {
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
      status: { startAt: new Date(NOW - 11_000).toISOString() },
    } as Observed['loadTest'],
    specConfigMapExists: true,
    job: { createdAtMs: NOW - 20_000, failedIndexes: [] },
    runners,
    report: undefined,
  };
}

const pod = (index: number) => ({
  name: `lt-runners-${index}`,
  phase: 'Running',
  ready: true,
  ip: '127.0.0.1',
  deleting: false,
  reason: undefined,
});

describe('a runner returning a malformed snapshot', () => {
  let runner: TestServer;
  let answer: unknown = {};
  beforeAll(async () => {
    runner = await startServer((_req, res) =>
      typeof answer === 'string' ? res.end(answer) : json(res, 200, answer),
    );
  });
  afterAll(() => runner?.close());

  const observeOnce = async () => {
    const got = await fetchRunnerAnswer('127.0.0.1', 'a-token-the-test-runner-ignores', runner.port);
    if (!got) throw new Error('the runner did not answer');
    return 'json' in got ? checkRunnerAnswer(got.json, { index: 1, total: 2 }) : { ok: false, ...got };
  };

  it('is turned into a problem with a path, for a wrong field and for text that is not JSON', async () => {
    const snapshot = JSON.parse(JSON.stringify(shardSnapshot(1, 2, { requests: 10 }))) as {
      steps: { durationHdr: unknown }[];
    };
    (snapshot.steps[0] as { durationHdr: unknown }).durationHdr = { not: 'a histogram' };
    answer = { state: 'running', startAt: NOW - 5000, snapshot };
    expect(await observeOnce()).toEqual({
      ok: false,
      problem: 'malformed snapshot: snapshot steps[0].durationHdr: not an encoded histogram',
    });
    answer = '{"state": "running", "snapshot": ';
    expect(await observeOnce()).toEqual({ ok: false, problem: 'malformed snapshot: not JSON' });
  });

  it('marks that shard lost with the reason and finishes with the other shard’s results', async () => {
    answer = { state: 'done', snapshot: { schemaVersion: 1, shard: { index: 1, total: 2 }, steps: 'oops' } };
    const result = await observeOnce();
    if (result.ok) throw new Error('expected a problem');
    const healthy: ObservedRunner = {
      index: 0,
      pod: pod(0),
      state: {
        state: 'done',
        startAt: NOW - 11_000,
        snapshot: shardSnapshot(0, 2, { requests: 70, done: true }),
      },
      lastSnapshot: shardSnapshot(0, 2, { requests: 70, done: true }),
    };
    const malformed: ObservedRunner = {
      index: 1,
      pod: pod(1),
      state: undefined,
      // What it reported before its answers went bad still counts.
      lastSnapshot: shardSnapshot(1, 2, { requests: 30 }),
      problem: result.problem,
    };
    const d = decide(observed([healthy, malformed]), DEFAULT_SETTINGS);
    const report = d.actions.find((a) => a.kind === 'writeReport');
    if (report?.kind !== 'writeReport') throw new Error(`no report: ${JSON.stringify(d.status)}`);
    expect(report.summary.outcome).toBe('failed');
    expect(report.summary.outcomeDetail).toMatch(
      /lost shard\(s\) 1: shard 1: malformed snapshot: snapshot process: expected an object; results include/,
    );
    expect(report.summary.totals.requests).toBe(100);
    expect(report.summary.shards.find((s) => s.index === 1)).toMatchObject({ lost: true, requests: 30 });
    expect(d.status.phase).toBe('Finishing');
  });

  it('a shard lost by its answer while others still run is stopped and reported in an Event', () => {
    const running = (index: number): ObservedRunner => {
      const snapshot = shardSnapshot(index, 2, { requests: 10 });
      return {
        index,
        pod: pod(index),
        state: { state: 'running', startAt: NOW - 5000, snapshot },
        lastSnapshot: snapshot,
      };
    };
    const d = decide(
      observed([running(0), { ...running(1), state: undefined, problem: 'malformed snapshot: not JSON' }]),
      DEFAULT_SETTINGS,
    );
    expect(d.status).toMatchObject({ phase: 'Running', lostShards: [1] });
    expect(d.actions).toContainEqual({ kind: 'stopRunners', indexes: [1] });
    expect(d.actions).toContainEqual(
      expect.objectContaining({
        kind: 'event',
        reason: 'RunnerLost',
        message: 'runner(s) 1 lost (shard 1: malformed snapshot: not JSON); keeping what they reported',
      }),
    );
  });
});
