import { describe, expect, it } from 'vitest';
import { CapacityGate } from '../../src/demo/capacity.js';

describe('demo target capacity gate', () => {
  it('serves up to capacity at once, queues the next in order, refuses past the queue limit', async () => {
    const gate = new CapacityGate(2, 2);
    const order: string[] = [];
    expect(await gate.acquire()).toBe(true);
    expect(await gate.acquire()).toBe(true);
    const third = gate.acquire().then((ok) => order.push(`third ${ok}`));
    const fourth = gate.acquire().then((ok) => order.push(`fourth ${ok}`));
    expect(await gate.acquire()).toBe(false); // two waiting already: answered 503
    expect(order).toEqual([]);
    gate.release();
    await third;
    expect(order).toEqual(['third true']);
    gate.release();
    await fourth;
    expect(order).toEqual(['third true', 'fourth true']);
    // Slots handed over, none lost: two held now, so one more waits and one more is refused after that.
    gate.release();
    gate.release();
    expect(await gate.acquire()).toBe(true);
    expect(await gate.acquire()).toBe(true);
    void gate.acquire();
    void gate.acquire();
    expect(await gate.acquire()).toBe(false);
  });

  it('keeps handing over slots through a long queue (the compaction keeps order)', async () => {
    const gate = new CapacityGate(1, 5000);
    expect(await gate.acquire()).toBe(true);
    const served: number[] = [];
    const waiting = Array.from({ length: 3000 }, (_, i) => gate.acquire().then(() => served.push(i)));
    for (let i = 0; i < 3000; i++) {
      gate.release();
      await waiting[i];
    }
    expect(served).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
