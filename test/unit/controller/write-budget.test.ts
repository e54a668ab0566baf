import { describe, expect, it } from 'vitest';
import { WriteBudget } from '../../../src/controller/write-budget.js';

describe('controller-wide checkpoint write budget', () => {
  it('allows a burst of one second, then refills at the rate', () => {
    let now = 0;
    const budget = new WriteBudget(20, 20, () => now);
    const taken = Array.from({ length: 25 }, () => budget.take()).filter(Boolean).length;
    expect(taken).toBe(20);
    now += 100; // 0.1 s: two more
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
    now += 60_000; // a long pause refills to the burst, not beyond
    expect(Array.from({ length: 30 }, () => budget.take()).filter(Boolean).length).toBe(20);
  });
});
