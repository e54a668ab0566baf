import { describe, expect, it } from 'vitest';
import { PullLimit } from '../../../src/controller/pull-limit.js';

describe('runner pulls in flight are bounded', () => {
  it('runs at most `limit` tasks at once, every task once, results to their callers', async () => {
    const limit = new PullLimit(3);
    let running = 0;
    let peak = 0;
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      running--;
      return i * 10;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit.run(task(i))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(peak).toBe(3);
    expect(limit.inFlight).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const limit = new PullLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('unreachable runner')))).rejects.toThrow(
      'unreachable',
    );
    expect(await limit.run(async () => 'next')).toBe('next');
    expect(limit.inFlight).toBe(0);
  });
});
