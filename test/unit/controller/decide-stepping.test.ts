import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/controller/decide.js';
import { STEPPING_LEAD_MS } from '../../../src/controller/decide-stepping.js';
import { DEFAULT_SETTINGS, type Observed, type ObservedRunner } from '../../../src/controller/model.js';
import { createIntervalHistogram, encodeHistogram, recordUs } from '../../../src/metrics/histogram.js';
import { ShardRecorder } from '../../../src/metrics/recorder.js';
import type { IntervalSnapshot, ShardSnapshot, SteppingStop } from '../../../src/metrics/snapshot.js';
import { NOW, observedLoadTest, runnerPod } from '../../helpers/observed.js';

/** 6.5 s after the shared start: level 2 (6-9 s) has no complete second yet, level 1 (3-6 s) has two. */
const START_AT = NOW - 6500;

const spec = {
  target: { baseURL: 'http://127.0.0.1:1' },
  runners: 3,
  scenarios: {
    search: {
      executor: 'breakpoint',
      levels: { unit: 'vus', start: 3, step: 3, max: 30, duration: '3s' },
      stopWhen: ['p(95)>100ms', 'errors rate>5%'],
      recovery: { duration: '5s' },
      flow: [{ request: { url: '/' } }],
    },
  },
};

/** A runner's snapshot with one interval per second; `slowFrom` on, every request takes 200 ms. */
function snapshot(index: number, slowFrom: number, stepping?: SteppingStop): ShardSnapshot {
  const recorder = new ShardRecorder(index, 3, { cores: 2, threads: 1 });
  const scenario = recorder.scenario('search', 'breakpoint', 'closed');
  scenario.stepping = stepping;
  recorder.step('search', 'get', 'closed').response(10_000, 10_000, 200, 10, 10);
  const intervals: IntervalSnapshot[] = [1, 2, 3, 4, 5, 6].map((second) => {
    const h = createIntervalHistogram();
    for (let i = 0; i < 20; i++) recordUs(h, second >= slowFrom ? 200_000 : 10_000);
    return {
      second,
      requests: 20,
      failures: 0,
      bytesIn: 0,
      iterations: 20,
      dropped: 0,
      checksPass: 0,
      checksFail: 0,
      vus: 3,
      durationHdr: encodeHistogram(h),
      loopDelayP99Ms: 0,
      loopDelayMaxMs: 0,
      cpuPercent: 10,
    };
  });
  return {
    ...recorder.snapshot(),
    intervals,
    elapsedMs: 6500,
    process: { key: `host-${index}`, cores: 2, threads: 1 },
  };
}

function runner(index: number, snap: ShardSnapshot): ObservedRunner {
  return {
    index,
    pod: runnerPod(index),
    state: { state: 'running', startAt: START_AT, snapshot: snap },
    lastSnapshot: snap,
  };
}

function observed(runners: ObservedRunner[]): Observed {
  const status = { startAt: new Date(START_AT).toISOString() };
  return observedLoadTest(spec, { job: { createdAtMs: NOW - 10_000, failedIndexes: [] }, runners }, status);
}

describe('decide: breakpoint stop conditions on merged live data', () => {
  it('tells every running runner to stop stepping at one offset when a condition holds on the level', () => {
    // Seconds 5 and 6 (level 1, after its settle second) are slow on every runner.
    const d = decide(observed([0, 1, 2].map((i) => runner(i, snapshot(i, 5)))), DEFAULT_SETTINGS);
    const order = {
      scenario: 'search',
      atOffsetMs: 6500 + STEPPING_LEAD_MS,
      level: 1,
      condition: 'p(95)>100ms',
    };
    expect(d.actions).toContainEqual({ kind: 'stopStepping', indexes: [0, 1, 2], order });
    expect(d.actions).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'SteppingStopped' }));
  });

  it('keeps stepping while the merged data meets no condition', () => {
    // Only the settle second of level 1 (second 4) is slow: it does not count.
    const d = decide(observed([0, 1, 2].map((i) => runner(i, fastExcept4(i)))), DEFAULT_SETTINGS);
    expect(d.actions.filter((a) => a.kind === 'stopStepping')).toEqual([]);
  });

  it('sends the stop a runner already reports to the runners that missed it, without deciding again', () => {
    const stop: SteppingStop = { stoppedAtMs: 6000, level: 1, condition: 'errors rate>5%' };
    const d = decide(
      observed([runner(0, snapshot(0, 5, stop)), runner(1, snapshot(1, 5)), runner(2, snapshot(2, 5))]),
      DEFAULT_SETTINGS,
    );
    expect(d.actions.filter((a) => a.kind === 'stopStepping')).toEqual([
      {
        kind: 'stopStepping',
        indexes: [1, 2],
        order: { scenario: 'search', atOffsetMs: 6000, level: 1, condition: 'errors rate>5%' },
      },
    ]);
    expect(d.actions.some((a) => a.kind === 'event' && a.reason === 'SteppingStopped')).toBe(false);
  });
});

/** Only second 4 is slow. */
function fastExcept4(index: number): ShardSnapshot {
  const s = snapshot(index, 99);
  const slow = snapshot(index, 4).intervals[3] as IntervalSnapshot;
  return { ...s, intervals: s.intervals.map((i) => (i.second === 4 ? slow : i)) };
}
