/**
 * A shard's clock on the real recorder: elapsed stops when load ends (polls and teardown after it do not
 * stretch the run's rates), seconds are labelled by index, and a partial last second stays its own interval
 * through the merge and into the summary's per-second rates.
 */
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import type { HealthSample } from '../../src/metrics/recorder.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { buildSummary } from '../../src/report/summary.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEALTH: HealthSample = { loopDelayP99Ms: 0, loopDelayMaxMs: 0, cpuPercent: 10 };

function recorderWith(requests: number, index = 0, total = 1): ShardRecorder {
  const r = new ShardRecorder(index, total, { cores: 2, threads: 1 });
  r.start();
  r.scenario('s', 'constant-vus', 'closed');
  const step = r.step('s', 'get', 'closed');
  for (let i = 0; i < requests; i++) step.response(1000, 1000, 200, 100, 50);
  return r;
}

describe('shard recorder clock', () => {
  it('a finished shard reports the same elapsed time however much later it is polled', async () => {
    const r = recorderWith(1000);
    await sleep(20);
    r.finish();
    const atFinish = r.snapshot();
    await sleep(200);
    const later = r.snapshot();
    expect(later.done).toBe(true);
    expect(later.elapsedMs).toBe(atFinish.elapsedMs);
    expect(r.elapsedMs()).toBe(r.elapsedMs());
  });

  it('time after load ended (closing connections, the teardown script) is not in elapsed', async () => {
    const t0 = performance.now();
    const r = recorderWith(10);
    await sleep(30);
    const atEnd = r.endLoad();
    const loadEndedAfter = performance.now() - t0;
    await sleep(200); // the teardown
    r.finish();
    const { elapsedMs } = r.snapshot();
    expect(elapsedMs).toBe(Math.round(atEnd));
    // However slow the machine, elapsed cannot include the 200 ms that came after load ended.
    expect(elapsedMs).toBeLessThanOrEqual(Math.ceil(loadEndedAfter));
    expect(r.endLoad()).toBe(atEnd);
  });

  it('labels seconds 1..n by index and keeps the partial last second as its own, with its length', () => {
    const r = recorderWith(0);
    for (let i = 0; i < 3; i++) r.closeInterval(HEALTH);
    r.closeInterval(HEALTH, 412.345);
    const { intervals } = r.snapshot();
    expect(intervals.map((i) => i.second)).toEqual([1, 2, 3, 4]);
    expect(intervals.map((i) => i.lengthMs)).toEqual([undefined, undefined, undefined, 412.35]);
  });

  it('merges a partial second by its longest span, and the summary divides its rps by that span', () => {
    // Shard 0 ended 400 ms into second 3; shard 1 250 ms into it. Second 2: shard 1 partial, shard 0 whole.
    const a = recorderWith(0, 0, 2);
    const b = recorderWith(0, 1, 2);
    const step = (r: ShardRecorder, n: number) => {
      const s = r.step('s', 'get', 'closed');
      for (let i = 0; i < n; i++) s.response(1000, 1000, 200, 100, 50);
    };
    for (const r of [a, b]) {
      step(r, 100);
      r.closeInterval(HEALTH);
    }
    step(a, 100);
    a.closeInterval(HEALTH);
    step(b, 30);
    b.closeInterval(HEALTH, 300);
    step(a, 40);
    a.closeInterval(HEALTH, 400);
    a.finish();
    b.finish();
    const run = mergeSnapshots([a.snapshot(), b.snapshot()]);
    expect(run.intervals.map((i) => [i.second, i.requests, i.lengthMs])).toEqual([
      [1, 200, undefined],
      [2, 130, undefined],
      [3, 40, 400],
    ]);
    const summary = buildSummary({
      name: 't',
      target: 'http://localhost',
      run,
      plans: [],
      thresholds: [],
      outcome: 'completed',
      finishedAtMs: Date.now(),
    });
    expect(summary.timeseries.map((i) => i.rps)).toEqual([200, 130, 100]);
    expect(summary.timeseries.at(-1)?.lengthMs).toBe(400);
  });
});
