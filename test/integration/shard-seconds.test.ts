/**
 * A real shard run on a load thread that is blocked for 300 ms again and again: its per-second intervals
 * are still seconds 1..n with no gap and no second counted twice, the partial last second is its own, and
 * the finished shard's elapsed time does not grow when it is polled later (the cluster controller polls a
 * done runner every 2 s). Nothing here depends on how late the timers were, only on what they close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { ShardRunner } from '../../src/engine/shard-runner.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

const BLOCK_MS = 300;

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Holds the load thread, as a saturated generator or a long GC pause would.
  }
}

describe('per-second intervals of a shard whose load thread is blocked', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('are seconds 1..n, one call each, the last partial; elapsed stays put after the run', async () => {
    const lt = loadTest(server.url, {
      s: {
        executor: 'constant-vus',
        vus: 1,
        duration: '4s',
        flow: [{ name: 'get', request: { url: '/' }, think: { constant: '20ms' } }],
      } as Scenario,
    });
    const runner = new ShardRunner({
      loadTest: lt,
      shard: { index: 0, total: 1 },
      baseDir: '.',
      env: {},
      threads: 1,
    });
    // 990 ms after each closed second, hold the thread for 300 ms: right across the next second's end, so
    // its timer fires up to 300 ms late. A setInterval re-arming from its late runs drifts 290 ms a tick and
    // skips a label by the third second; the run ends inside its fifth second.
    let calls = 0;
    const blocks = new Set<NodeJS.Timeout>();
    const onInterval = () => {
      calls++;
      const block = setTimeout(() => {
        blocks.delete(block);
        busyWait(BLOCK_MS);
      }, 990);
      blocks.add(block);
    };
    let final: Awaited<ReturnType<ShardRunner['run']>>;
    try {
      final = await runner.run(Date.now() + 100, onInterval);
    } finally {
      for (const block of blocks) clearTimeout(block);
    }

    const seconds = final.intervals.map((i) => i.second);
    expect(seconds).toEqual(Array.from({ length: seconds.length }, (_, i) => i + 1));
    expect(seconds.length).toBeGreaterThanOrEqual(5);
    // The blocks did hold the thread (the run measured its own loop delay).
    expect(Math.max(...final.intervals.map((i) => i.loopDelayMaxMs))).toBeGreaterThanOrEqual(BLOCK_MS / 2);
    const last = final.intervals.at(-1);
    const whole = final.intervals.slice(0, -1);
    expect(last?.lengthMs).toBeGreaterThan(0);
    expect(last?.lengthMs).toBeLessThan(1000);
    for (const i of whole) expect(i.lengthMs).toBeUndefined();
    // One onInterval call per whole second, none for the partial one.
    expect(calls).toBe(whole.length);
    // The series spans exactly the run's elapsed time (elapsed is rounded to the ms).
    expect(Math.abs(whole.length * 1000 + (last?.lengthMs ?? 0) - final.elapsedMs)).toBeLessThanOrEqual(1);
    // Every request is in exactly one second.
    const requests = final.steps.reduce((n, s) => n + s.requests, 0);
    expect(requests).toBeGreaterThan(0);
    expect(final.intervals.reduce((n, i) => n + i.requests, 0)).toBe(requests);

    await new Promise((resolve) => setTimeout(resolve, 200));
    const polled = runner.snapshot();
    expect(polled.done).toBe(true);
    expect(polled.elapsedMs).toBe(final.elapsedMs);
  });
});
