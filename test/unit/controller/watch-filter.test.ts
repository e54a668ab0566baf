import { describe, expect, it } from 'vitest';
import { LoadTestEventFilter } from '../../../src/controller/watch-filter.js';

const lt = (generation: number, deletionTimestamp?: string) => ({
  metadata: {
    name: 't',
    namespace: 'default',
    generation,
    ...(deletionTimestamp ? { deletionTimestamp } : {}),
  },
});

describe('LoadTest watch events that need a reconcile', () => {
  it('skips the controller own status writes (same generation), queues spec edits and deletion', () => {
    const f = new LoadTestEventFilter();
    expect(f.wants(lt(1), 'ADDED')).toBe(true);
    expect(f.wants(lt(1), 'MODIFIED')).toBe(false);
    expect(f.wants(lt(1), 'MODIFIED')).toBe(false);
    expect(f.wants(lt(2), 'MODIFIED')).toBe(true);
    expect(f.wants(lt(2), 'MODIFIED')).toBe(false);
    expect(f.wants(lt(2, '2026-01-01T00:00:00Z'), 'MODIFIED')).toBe(true);
    expect(f.wants(lt(2, '2026-01-01T00:00:00Z'), 'DELETED')).toBe(true);
  });

  it('queues every relist and any object first seen in a MODIFIED event', () => {
    const f = new LoadTestEventFilter();
    expect(f.wants(lt(3), 'MODIFIED')).toBe(true);
    expect(f.wants(lt(3), 'SYNC')).toBe(true);
    expect(f.wants(lt(3), 'SYNC')).toBe(true);
    const other = { metadata: { name: 'u', namespace: 'default', generation: 3 } };
    expect(f.wants(other, 'MODIFIED')).toBe(true);
  });
});
