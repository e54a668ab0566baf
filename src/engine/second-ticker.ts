/**
 * Closes a shard's per-second intervals on the run's own clock. One timer at a time, each aimed at the next
 * second's absolute end (seconds.ts decides which seconds close when), so lateness never accumulates the way
 * a re-arming setInterval's does. The work per second is what it was: one health sample and one interval.
 */
import { HealthSampler } from '../metrics/health.js';
import type { ShardRecorder } from '../metrics/recorder.js';
import { msToNextSecond, secondsAtEnd, secondsDue } from '../metrics/seconds.js';

export class SecondTicker {
  private readonly health: HealthSampler;
  private closed = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Starts at once: call right after recorder.start(). `onSecond` runs after each whole second closes. */
  constructor(
    private readonly recorder: ShardRecorder,
    private readonly onSecond?: () => void,
  ) {
    this.health = new HealthSampler(recorder.threads);
    this.arm(msToNextSecond(0, recorder.elapsedMs()));
  }

  /**
   * Load ended: marks its end on the recorder, closes the whole seconds still due, then the partial second
   * after them as an interval of its own. Idempotent.
   */
  end(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const { close, partialMs } = secondsAtEnd(this.closed, this.recorder.endLoad());
    this.closeSeconds(close);
    if (partialMs > 0) this.recorder.closeInterval(this.health.sample(), partialMs);
    this.health.stop();
  }

  private arm(waitMs: number): void {
    this.timer = setTimeout(this.tick, waitMs);
  }

  private readonly tick = (): void => {
    this.closeSeconds(secondsDue(this.closed, this.recorder.elapsedMs()));
    // Aimed after the closing work, at the next second's absolute end; not if onSecond ended the run.
    if (this.timer) this.arm(msToNextSecond(this.closed, this.recorder.elapsedMs()));
  };

  /** Usually one; more after the loop was blocked past a boundary, each its own label and onSecond call. */
  private closeSeconds(count: number): void {
    for (let k = 0; k < count; k++) {
      this.closed++;
      this.recorder.closeInterval(this.health.sample());
      this.onSecond?.();
    }
  }
}
