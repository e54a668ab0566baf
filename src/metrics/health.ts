/**
 * The generator watching itself: event-loop delay of this thread, CPU and memory (RSS) of this process,
 * sampled once a second. A saturated generator inflates latencies, so the summary must be able to say so.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthSample } from './recorder.js';

/** 10 ms sampling resolution: fine enough to see stalls, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 10;

export class HealthSampler {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private lastCpu = process.cpuUsage();
  private lastWallMs = performance.now();

  constructor() {
    this.loop.enable();
  }

  /** Figures since the previous sample. */
  sample(): HealthSample {
    const nowMs = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const wallMs = nowMs - this.lastWallMs;
    this.lastCpu = process.cpuUsage();
    this.lastWallMs = nowMs;
    // The histogram measures how late the sampling timer fired, which includes the resolution itself.
    const lateMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    const sample: HealthSample = {
      loopDelayP99Ms: this.loop.count ? lateMs(this.loop.percentile(99)) : 0,
      loopDelayMaxMs: this.loop.count ? lateMs(this.loop.max) : 0,
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      rssMb: process.memoryUsage.rss() / (1024 * 1024),
    };
    this.loop.reset();
    return sample;
  }

  stop(): void {
    this.loop.disable();
  }
}
