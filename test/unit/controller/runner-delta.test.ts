import { describe, expect, it } from 'vitest';
import { alreadyChecked, intervalsToAsk, withKnownIntervals } from '../../../src/controller/runner-delta.js';
import { ShardRecorder } from '../../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../../src/metrics/snapshot.js';
import { sliceIntervals } from '../../../src/metrics/snapshot-delta.js';
import type { RunnerState } from '../../../src/runner/protocol.js';

/** A real recorder's snapshot after `seconds` closed intervals (one request each). */
function run(seconds: number): { recorder: ShardRecorder; at: (n: number) => ShardSnapshot } {
  const recorder = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
  const step = recorder.step('s', 'get', 'closed');
  let done = 0;
  const at = (n: number) => {
    for (; done < n; done++) {
      step.response(1000 + done, 1000 + done, 200, 10, 10);
      recorder.closeInterval({ loopDelayP99Ms: 1, loopDelayMaxMs: 1, cpuPercent: 10 });
    }
    return recorder.snapshot();
  };
  if (seconds) at(seconds);
  return { recorder, at };
}

const answer = (snapshot: ShardSnapshot, from?: number): RunnerState => {
  const sliced = sliceIntervals(snapshot, from);
  return {
    state: 'running',
    snapshot: sliced.snapshot,
    ...(sliced.intervalsFrom !== undefined ? { intervalsFrom: sliced.intervalsFrom } : {}),
  };
};

describe('joining interval deltas onto the held snapshot', () => {
  it('held intervals up to intervalsFrom, then the fresh ones: the same as the whole snapshot', () => {
    const r = run(0);
    const held = r.at(3);
    const now = r.at(7);
    expect(intervalsToAsk(held)).toBe(3);
    const joined = withKnownIntervals(answer(now, 3), held);
    expect(joined?.snapshot).toEqual(now);
    expect(joined && 'intervalsFrom' in joined).toBe(false);
  });

  it('passes a whole answer (an older runner) through and refuses what cannot be joined', () => {
    const r = run(0);
    const held = r.at(3);
    const now = r.at(5);
    expect(withKnownIntervals(answer(now), held)?.snapshot).toEqual(now);
    expect(withKnownIntervals(answer(now, 2), undefined)).toBeUndefined();
    const otherProcess = { ...held, process: { ...held.process, key: 'another-pod:1' } };
    expect(withKnownIntervals(answer(now, 3), otherProcess)).toBeUndefined();
    expect(withKnownIntervals({ ...answer(now, 3), intervalsFrom: 4 }, held)).toBeUndefined();
    expect(intervalsToAsk(undefined)).toBeUndefined();
  });

  it('counts as checked only the held intervals the answer repeats', () => {
    expect(alreadyChecked({ intervalsFrom: 3 }, 3)).toBe(0);
    expect(alreadyChecked({ intervalsFrom: 2 }, 3)).toBe(1);
    expect(alreadyChecked({}, 3)).toBe(3);
    expect(alreadyChecked(null, 3)).toBe(3);
  });
});
