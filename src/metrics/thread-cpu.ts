/**
 * CPU time of the calling thread, in µs. process.cpuUsage() is the whole process's: in a worker thread it
 * also counts the sibling load threads, the main thread and V8's helpers, so each of N busy load threads
 * reported N cores and a short run of two threads read 200%+ "on 2 cores".
 */
import { readFileSync } from 'node:fs';

/** Linux: the first field is the thread's time on a CPU in ns, current to the read (unlike getrusage). */
const SCHEDSTAT = '/proc/thread-self/schedstat';

function readSchedstat(): number | undefined {
  try {
    const ns = Number(readFileSync(SCHEDSTAT, 'utf8').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1000 : undefined;
  } catch {
    return undefined;
  }
}

type ThreadCpuUsage = () => { user: number; system: number };

/**
 * A reader of this thread's CPU µs. Where neither schedstat nor process.threadCpuUsage (Node 22.19+/23.9+)
 * exists, the process's CPU shared evenly over its `threads` load threads: right when they are equally busy.
 */
export function threadCpuReader(threads: number): () => number {
  if (readSchedstat() !== undefined) return () => readSchedstat() ?? 0;
  const threadCpuUsage = (process as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof threadCpuUsage === 'function') {
    return () => {
      const cpu = threadCpuUsage.call(process);
      return cpu.user + cpu.system;
    };
  }
  const share = Math.max(1, threads);
  return () => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / share;
  };
}
