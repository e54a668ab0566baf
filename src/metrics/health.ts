/**
 * The generator watching itself: event-loop delay and CPU of this load thread, memory (RSS) of its process,
 * sampled once a second. A saturated generator inflates latencies, so the summary must be able to say so.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthSample } from './recorder.js';
import { threadCpuReader } from './thread-cpu.js';

/** 10 ms sampling resolution: fine enough to see stalls, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 10;

export class HealthSampler {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private readonly threadCpuUs: () => number;
  private lastCpuUs: number;
  private lastWallMs = performance.now();

  /** `threads`: load threads in this process, used only where this thread's own CPU cannot be read. */
  constructor(threads: number) {
    this.threadCpuUs = threadCpuReader(threads);
    this.lastCpuUs = this.threadCpuUs();
    this.loop.enable();
  }

  /** Figures since the previous sample. */
  sample(): HealthSample {
    const nowMs = performance.now();
    const cpuUs = this.threadCpuUs();
    const wallMs = nowMs - this.lastWallMs;
    const cpuMs = (cpuUs - this.lastCpuUs) / 1000;
    this.lastCpuUs = cpuUs;
    this.lastWallMs = nowMs;
    // The histogram measures how late the sampling timer fired, which includes the resolution itself.
    const lateMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    const sample: HealthSample = {
      loopDelayP99Ms: this.loop.count ? lateMs(this.loop.percentile(99)) : 0,
      loopDelayMaxMs: this.loop.count ? lateMs(this.loop.max) : 0,
      // One thread runs on one core at a time: more than 100% is the two clocks read a moment apart.
      cpuPercent: wallMs > 0 ? Math.min(100, Math.max(0, (cpuMs / wallMs) * 100)) : 0,
      rssMb: process.memoryUsage.rss() / (1024 * 1024),
    };
    this.loop.reset();
    return sample;
  }

  stop(): void {
    this.loop.disable();
  }
}
