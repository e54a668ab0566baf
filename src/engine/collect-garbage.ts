/**
 * A full garbage collection on demand, for the moment just before load starts. Loading modules, planning
 * and warming the codecs leave a fresh heap close to V8's first old-generation limit, so the first major GC
 * (incremental marking, then a 6-8 ms final pause) used to land in the first 30 ms of load and delay
 * arrivals by up to 18 ms. Collected before the start instant, the next limit is set from the live heap.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Runs a synchronous full GC on the calling thread's heap. */
export function collectGarbage(): void {
  if (!gc) {
    // A context created after the flag is set gets V8's `gc` function; nothing else changes.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
