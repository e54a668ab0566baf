/**
 * How late a bare thread on a core wakes from a 1 ms sleep: the machine's own floor, as cyclictest measures
 * it, in a pinned child process. On a VM the host can hold a vCPU for 10 ms and more, in phases of minutes
 * that a core's idle share does not show; a generator measured then is measured against the host. The truth
 * tests watch it on both pinned cores while an attempt runs (1,000 wakes a second: under 1% of a core).
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** Prints one JSON line per half second: wakes, the latest, and how many were over 1 ms late. */
const PROBE = `
const cell = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  let wakes = 0, over1Ms = 0, maxMs = 0;
  const end = performance.now() + 500;
  while (performance.now() < end) {
    const t = performance.now();
    Atomics.wait(cell, 0, 0, 1);
    const late = performance.now() - t - 1;
    wakes++;
    if (late > 1) over1Ms++;
    if (late > maxMs) maxMs = late;
  }
  process.stdout.write(JSON.stringify({ wakes, over1Ms, maxMs }) + '\\n');
}
`;

export interface WakeFloor {
  wakes: number;
  maxMs: number;
  /** Wakes more than 1 ms late. */
  over1Ms: number;
}

/** Host stall: a wake this late means the host, not the generator, held the core. */
export const HOST_STALL_MS = 3;

/** Watches `cpu` (taskset) until stopped; stop() returns the floor over the whole watch. */
export function watchWakeFloor(cpu: number): { stop(): WakeFloor } {
  const floor: WakeFloor = { wakes: 0, maxMs: 0, over1Ms: 0 };
  const child: ChildProcess = spawn('taskset', ['-c', String(cpu), process.execPath, '-e', PROBE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const w = JSON.parse(line) as WakeFloor;
      floor.wakes += w.wakes;
      floor.over1Ms += w.over1Ms;
      floor.maxMs = Math.max(floor.maxMs, w.maxMs);
    }
  });
  return {
    stop() {
      child.kill('SIGKILL');
      return { ...floor };
    },
  };
}

export const describeFloor = (f: WakeFloor) =>
  `max ${f.maxMs.toFixed(1)} ms, ${f.over1Ms}/${f.wakes} over 1 ms`;
