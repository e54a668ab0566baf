import { describe, expect, it } from 'vitest';
import { checkRunnerAnswer } from '../../src/controller/runner-answer.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { checkSnapshot } from '../../src/metrics/snapshot-check.js';
import { shardSnapshot } from '../helpers/snapshots.js';

const good = () => shardSnapshot(1, 3, { requests: 20, done: false });
/** A copy of a real snapshot with one field replaced (a path into the JSON). */
function broken(path: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return copy;
}

describe('a malformed runner snapshot is refused at the boundary with a path', () => {
  it('accepts a real snapshot from the recorder', () => {
    const result = checkSnapshot(good(), { shard: { index: 1, total: 3 } });
    expect(result.ok).toBe(true);
  });

  it('accepts every step protocol the recorder writes, with gRPC status classes and message counts', () => {
    for (const protocol of ['http', 'http2', 'ws', 'pg', 'grpc']) {
      const snapshot = broken(['steps', 0, 'protocol'], protocol) as { steps: Record<string, unknown>[] };
      const step = snapshot.steps[0] as Record<string, unknown>;
      if (protocol === 'grpc') {
        step.grpc = { messages: 3 };
        step.errors = { ...(step.errors as object), grpc_not_found: 1, grpc_deadline_exceeded: 2 };
      }
      expect(checkSnapshot(snapshot, { shard: { index: 1, total: 3 } }), protocol).toEqual({
        ok: true,
        snapshot,
      });
    }
    expect(
      checkSnapshot(broken(['steps', 0, 'protocol'], 'smtp'), { shard: { index: 1, total: 3 } }),
    ).toEqual({
      ok: false,
      problem: 'steps[0].protocol: expected one of http, http2, ws, pg, grpc',
    });
    expect(
      checkSnapshot(broken(['steps', 0, 'errors'], { grpc_made_up: 1 }), { shard: { index: 1, total: 3 } }),
    ).toEqual({ ok: false, problem: 'steps[0].errors.grpc_made_up: unknown error class' });
  });

  it.each([
    [['steps', 0, 'requests'], 'many', 'steps[0].requests: expected a number >= 0'],
    [['steps', 0, 'requests'], -1, 'steps[0].requests: expected a number >= 0'],
    [['steps', 0, 'durationHdr'], 'not-a-histogram', 'steps[0].durationHdr: not an encoded histogram'],
    [['steps', 0, 'errors'], { teapot: 1 }, 'steps[0].errors.teapot: unknown error class'],
    [['scenarios', 0, 'iterationHdr'], 42, 'scenarios[0].iterationHdr: not an encoded histogram'],
    [['intervals'], null, '(snapshot).intervals: expected an array'],
    [['steps'], [null], 'steps[0]: expected an object'],
    [['schemaVersion'], 9, 'schemaVersion: expected 1, got 9'],
    [['shard', 'index'], 2, 'shard: expected shard 1 of 3, got 2 of 3'],
    [['done'], 'yes', 'done: expected true or false'],
    [['errorSamples'], [{ class: 'reset' }], 'errorSamples[0].scenario: expected a string'],
  ])('%j = %j', (path, value, problem) => {
    expect(checkSnapshot(broken(path, value), { shard: { index: 1, total: 3 } })).toEqual({
      ok: false,
      problem,
    });
  });

  it('checks interval histograms, but decodes each only once across pulls', () => {
    const snap = shardSnapshot(0, 1, { requests: 5 });
    const withInterval = {
      ...snap,
      intervals: [
        {
          second: 0,
          requests: 5,
          failures: 0,
          bytesIn: 0,
          iterations: 5,
          dropped: 0,
          checksPass: 0,
          checksFail: 0,
          vus: 1,
          durationHdr: 'garbage',
          loopDelayP99Ms: 1,
          loopDelayMaxMs: 1,
          cpuPercent: 3,
        },
      ],
    };
    expect(checkSnapshot(withInterval)).toEqual({
      ok: false,
      problem: 'intervals[0].durationHdr: not an encoded histogram',
    });
    // Already checked in an earlier pull: the string is not decoded again (only its type is checked).
    expect(checkSnapshot(withInterval, { checkedIntervals: 1 }).ok).toBe(true);
  });

  it('never throws on junk, and what it accepts merges without throwing', () => {
    const junk: unknown[] = [
      null,
      0,
      'x',
      [],
      {},
      { state: 'running' },
      { snapshot: [] },
      broken(['steps', 0], 7),
    ];
    for (const value of junk) {
      expect(() => checkSnapshot(value)).not.toThrow();
      expect(checkSnapshot(value).ok).toBe(false);
      const answer = checkRunnerAnswer(value, { index: 0, total: 1 });
      expect(answer.ok).toBe(false);
    }
    const ok = checkSnapshot(good());
    if (!ok.ok) throw new Error(ok.problem);
    expect(mergeSnapshots([ok.snapshot]).steps[0]?.requests).toBe(20);
  });

  it('a runner answer names the part of it that is wrong', () => {
    expect(checkRunnerAnswer({ state: 'exploded', snapshot: good() }, { index: 1, total: 3 })).toEqual({
      ok: false,
      problem: 'malformed snapshot: state: expected one of preparing, waiting, running, done, failed',
    });
    expect(
      checkRunnerAnswer(
        { state: 'running', snapshot: broken(['steps', 0, 'bytesIn'], '1') },
        { index: 1, total: 3 },
      ),
    ).toEqual({
      ok: false,
      problem: 'malformed snapshot: snapshot steps[0].bytesIn: expected a number >= 0',
    });
    expect(
      checkRunnerAnswer({ state: 'done', interrupted: 'rm -rf', snapshot: good() }, { index: 1, total: 3 }),
    ).toEqual({ ok: false, problem: 'malformed snapshot: interrupted: expected one of SIGTERM' });
  });

  it('a runner answer may say a signal cut its run short', () => {
    const answer = checkRunnerAnswer(
      { state: 'done', interrupted: 'SIGTERM', snapshot: good() },
      { index: 1, total: 3 },
    );
    expect(answer).toMatchObject({ ok: true, state: { state: 'done', interrupted: 'SIGTERM' } });
  });
});
