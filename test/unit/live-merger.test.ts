import { describe, expect, it } from 'vitest';
import { LiveMerger } from '../../src/local/live-merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';

const HEALTH = { loopDelayP99Ms: 0, loopDelayMaxMs: 0, cpuPercent: 1 };

/** A real recorder: `perSecond` responses of 1 ms, one closed second each time `second()` is called. */
function shard() {
  const recorder = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
  const step = recorder.step('s', 'get', 'closed');
  return {
    second(perSecond: number): void {
      for (let i = 0; i < perSecond; i++) step.response(1000, 900, 200, 10, 10);
      recorder.closeInterval(HEALTH);
    },
    // The seconds are numbered by elapsed time, which a test does not wait for: number them 1, 2, 3.
    full: (): ShardSnapshot => {
      const snapshot = recorder.snapshot();
      return { ...snapshot, intervals: snapshot.intervals.map((iv, i) => ({ ...iv, second: i + 1 })) };
    },
  };
}

const requests = (run: { steps: { requests: number }[] }) => run.steps.reduce((n, s) => n + s.requests, 0);

describe('LiveMerger', () => {
  it('merges cumulative figures again only when the full-snapshot key changes; the last seconds every time', () => {
    const a = shard();
    a.second(10);
    const full = a.full();
    const merger = new LiveMerger(2);
    const first = merger.merge([full], 1);
    expect(requests(first)).toBe(10);
    expect(first.intervals.map((i) => i.requests)).toEqual([10]);

    // Two more seconds arrive as intervals only (same key): totals stay, the last two seconds are fresh.
    a.second(20);
    a.second(30);
    const newer = a.full();
    const between = merger.merge([{ ...full, intervals: newer.intervals }], 1);
    expect(requests(between)).toBe(10);
    expect(between.intervals.map((i) => i.requests)).toEqual([20, 30]);

    // A new full snapshot (key changes): the totals catch up.
    const caught = merger.merge([newer], 2);
    expect(requests(caught)).toBe(60);
    expect(caught.intervals.map((i) => i.requests)).toEqual([20, 30]);
  });
});
