import { describe, expect, it } from 'vitest';
import { canAcquire } from '../../../src/controller/leader.js';
import { parseIndexes } from '../../../src/controller/observe.js';
import { WorkQueue } from '../../../src/controller/queue.js';
import { backoffMs } from '../../../src/kube/list-watch.js';

describe('work queue', () => {
  it('queues keys, not events: duplicates collapse, and a key is never handed to two workers', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    const first = await q.get();
    expect(first).toBe('ns/a');
    // Changed while being processed: queued again only once it is done.
    q.add('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.length).toBe(0);
    q.done('ns/a');
    expect(await q.get()).toBe('ns/a');
    q.shutDown();
    expect(await q.get()).toBeUndefined();
  });

  it('backs off per key exponentially with a cap, and forgets on success', () => {
    const q = new WorkQueue(100, 1000);
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('k'))).toEqual([100, 200, 400, 800, 1000]);
    q.forget('k');
    expect(q.failuresOf('k')).toBe(0);
    q.shutDown();
  });
});

describe('list/watch backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 500, 30_000))).toEqual([500, 1000, 2000, 4000, 30_000]);
  });
});

describe('leader election', () => {
  const lease = (holder: string, renewedAgoMs: number, now: number) => ({
    metadata: { name: 'l', namespace: 'n' },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      renewTime: new Date(now - renewedAgoMs).toISOString(),
    },
  });
  it('acquires a free, own or expired lease, never a live one held by another', () => {
    const now = Date.now();
    expect(canAcquire(undefined, 'me', now)).toBe(true);
    expect(canAcquire(lease('me', 1000, now), 'me', now)).toBe(true);
    expect(canAcquire(lease('other', 1000, now), 'me', now)).toBe(false);
    expect(canAcquire(lease('other', 16_000, now), 'me', now)).toBe(true);
  });
});

describe('Job failedIndexes', () => {
  it('parses ranges and lists', () => {
    expect(parseIndexes('1,3-5,9')).toEqual([1, 3, 4, 5, 9]);
    expect(parseIndexes(undefined)).toEqual([]);
  });
});
