/**
 * How many runner pulls (GET /snapshot) the controller has in flight at once, over every LoadTest. Without
 * a bound, one reconcile of a 1,000-runner test opened 1,000 connections and held 1,000 answers in memory
 * at the same moment; with it, answers are parsed and dropped at the pace they arrive. Tiny FIFO semaphore.
 */

/**
 * 64 keeps a 2 s pull cycle for 1,000 runners when one pull takes up to ~100 ms (1,000 / 64 x 100 ms =
 * 1.6 s), while 64 snapshots of an hour-long run (~1.6 MiB each) stay near 100 MiB in flight.
 */
export const MAX_CONCURRENT_PULLS = 64;

export class PullLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit = MAX_CONCURRENT_PULLS) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Pulls running now (for tests and metrics). */
  get inFlight(): number {
    return this.active;
  }
}
