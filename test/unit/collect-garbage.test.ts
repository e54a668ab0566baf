import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/engine/collect-garbage.js';

/** Major GCs this thread runs while `fn` runs (a GC entry arrives asynchronously, after `fn`). */
async function majorGcsDuring(fn: () => void): Promise<number> {
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        majors++;
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return majors;
}

describe('collectGarbage (the full GC a shard runs just before its start instant)', () => {
  it('runs a major GC on the calling thread, each time it is called', async () => {
    expect(await majorGcsDuring(() => collectGarbage())).toBeGreaterThanOrEqual(1);
    expect(await majorGcsDuring(() => collectGarbage())).toBeGreaterThanOrEqual(1);
  });

  it('frees what is no longer referenced', async () => {
    let garbage: number[][] | undefined = Array.from({ length: 2000 }, () => new Array(1000).fill(1));
    const registry = new FinalizationRegistry<string>(() => {
      collected = true;
    });
    let collected = false;
    registry.register(garbage, 'garbage');
    garbage = undefined;
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(collected).toBe(true);
  });
});
