/**
 * A capacity limit for the demo target, so a breakpoint test has a real limit to find: at most `capacity`
 * requests are served at once; the rest wait in a FIFO queue (their latency climbs) and, past `queueLimit`
 * waiting, are refused at once (503), as an overloaded server with a bounded accept queue would.
 */
export class CapacityGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(
    readonly capacity: number,
    readonly queueLimit: number,
  ) {}

  /** Resolves true once a slot is held (call release() after answering); false when the queue is full. */
  acquire(): Promise<boolean> {
    if (this.inFlight < this.capacity) {
      this.inFlight++;
      return Promise.resolve(true);
    }
    if (this.waiting.length - this.head >= this.queueLimit) return Promise.resolve(false);
    return new Promise((resolve) => this.waiting.push(() => resolve(true)));
  }

  release(): void {
    const next = this.waiting[this.head];
    if (next) {
      // The slot passes straight to the next waiter; compact the queue now and then, not per request.
      this.waiting[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else this.inFlight--;
  }
}
