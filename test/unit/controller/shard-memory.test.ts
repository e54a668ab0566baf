import { describe, expect, it } from 'vitest';
import { ShardMemory } from '../../../src/controller/shard-memory.js';
import { shardSnapshot } from '../../helpers/snapshots.js';

describe('Observer memory: per-LoadTest maps do not outlive their LoadTest', () => {
  it('forget drops the shards and the key that pointed at them', () => {
    const memory = new ShardMemory();
    for (let i = 0; i < 100; i++) {
      const shards = memory.shards(`ns/lt-${i}`, `uid-${i}`);
      shards.set(0, { snapshot: shardSnapshot(0, 1, { requests: 1 }), checkedIntervals: 0 });
    }
    expect(memory.size).toBe(100);
    for (let i = 0; i < 100; i++) {
      const uid = memory.uidOf(`ns/lt-${i}`);
      expect(uid).toBe(`uid-${i}`);
      memory.forget(uid as string);
    }
    expect(memory.size).toBe(0);
    expect(memory.has('uid-5')).toBe(false);
  });

  it('a LoadTest re-created under the same name gets a fresh record', () => {
    const memory = new ShardMemory();
    memory.shards('ns/lt', 'old').set(0, { problem: 'malformed snapshot: not JSON', checkedIntervals: 0 });
    memory.forget('old');
    expect(memory.shards('ns/lt', 'new').size).toBe(0);
    expect(memory.uidOf('ns/lt')).toBe('new');
    expect(memory.size).toBe(1);
  });
});
