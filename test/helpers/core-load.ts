/**
 * How busy the machine's cores are, from /proc/stat (Linux). The truth tests use it to start an attempt only
 * once outside work has left the cores they pin to, and to say how busy those cores were when an attempt
 * missed its bars. Waiting is bounded: a machine that never quiets down still gets its attempts.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface CoreTimes {
  busy: number;
  total: number;
}

/** Jiffies per core, keyed by core number. */
export function readCoreTimes(): Map<number, CoreTimes> {
  const times = new Map<number, CoreTimes>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = (m[2] as string).split(/\s+/).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    times.set(Number(m[1]), { busy, total: busy + (idle ?? 0) + (iowait ?? 0) });
  }
  return times;
}

/** Busy share (0..1) of each of `cores` between two readings. */
export function busyShare(before: Map<number, CoreTimes>, after: Map<number, CoreTimes>, cores: number[]) {
  return cores.map((core) => {
    const a = before.get(core);
    const b = after.get(core);
    if (!a || !b || b.total <= a.total) return 0;
    return (b.busy - a.busy) / (b.total - a.total);
  });
}

/**
 * Waits until every one of `cores` was at most `maxShare` busy over a `windowMs` window, for at most
 * `maxWaitMs`. Returns the last window's shares and how long it waited.
 */
export async function waitForQuietCores(
  cores: number[],
  { maxShare = 0.15, windowMs = 1000, maxWaitMs = 60_000 } = {},
): Promise<{ shares: number[]; waitedMs: number }> {
  const startMs = performance.now();
  for (;;) {
    const before = readCoreTimes();
    await sleep(windowMs);
    const shares = busyShare(before, readCoreTimes(), cores);
    const waitedMs = performance.now() - startMs;
    if (shares.every((s) => s <= maxShare) || waitedMs >= maxWaitMs) return { shares, waitedMs };
  }
}

export const percent = (shares: number[]) => shares.map((s) => `${Math.round(s * 100)}%`).join('/');
