import { describe, expect, it } from 'vitest';
import { type Schedule, WorkQueue } from '../../../src/controller/queue.js';

/** The queue's delays go through an injected schedule, so a retry is tested without waiting for it. */
describe('work queue with an injected schedule', () => {
  it('re-queues a failed key when its backoff fires, once per pending delay, and cancels on shutdown', async () => {
    const pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
    const schedule: Schedule = (fn, ms) => {
      const entry = { fn, ms, cancelled: false };
      pending.push(entry);
      return () => {
        entry.cancelled = true;
      };
    };
    const q = new WorkQueue(100, 1000, schedule);
    expect(q.addRateLimited('ns/a')).toBe(100);
    q.addAfter('ns/a', 50); // an earlier pending delay for the same key wins
    expect(pending.map((p) => p.ms)).toEqual([100]);
    expect(q.length).toBe(0);
    pending[0]?.fn();
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    q.addAfter('ns/b', 200);
    q.shutDown();
    expect(pending[1]).toMatchObject({ ms: 200, cancelled: true });
  });
});
