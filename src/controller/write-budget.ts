/**
 * A controller-wide budget for checkpoint writes: a token bucket over every LoadTest. The per-LoadTest
 * bounds (decide-checkpoint.ts) do not bound the sum: 100 LoadTests of 10 runners wrote ~100 checkpoints a
 * second, and with the apiserver that busy every test's status fell 26 s behind (bench/scale.mjs). A
 * checkpoint refused here is simply not written this reconcile; it stays due, and a later one writes it.
 * The clock is injected so tests need not sleep.
 */

/** 20 writes a second over all LoadTests: a few percent of one apiserver's write capacity. */
export const CHECKPOINT_WRITES_PER_SECOND_TOTAL = 20;

export class WriteBudget {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly perSecond = CHECKPOINT_WRITES_PER_SECOND_TOTAL,
    /** At most this many at once: one second's worth. */
    readonly burst = perSecond,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.lastMs = nowMs();
  }

  /** Takes one write if the budget allows it now. */
  take(): boolean {
    const now = this.nowMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) / 1000) * this.perSecond);
    this.lastMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
