/**
 * What an executor drives: allocate VUs, run iterations, sleep until absolute times. It tracks iterations in
 * flight so the shard can give them gracefulStop to finish and then count the rest as interrupted, and
 * interrupts one VU's iteration when its ramp-down grace is over (follow-vu-target.ts).
 */
import type { ScenarioRecorder, StepRecorder } from '../metrics/recorder.js';
import type { FeederCursor } from './feeders.js';
import type { StepRunner } from './flow.js';
import type { CompiledLifecycle } from './lifecycle.js';
import { preciseWakeAt, type WakeAt } from './precise-clock.js';
import type { VuRange } from './shard.js';
import { MAX_TIMER_MS } from './timers.js';
import { createVU, type IterationState, type VU } from './vu.js';

export interface ScenarioRuntimeOptions {
  scenario: string;
  recorder: ScenarioRecorder;
  /** Records iteration-level failures that happen outside any step (bugs, bad runtime data). */
  iterationErrors: StepRecorder;
  flow: StepRunner;
  env: Record<string, string>;
  feeders: Map<string, FeederCursor>;
  /** How this scenario's VUs on this shard are numbered. */
  vus: VuRange;
  startMs: number;
  /** Per-VU setup, refresh and teardown flows. */
  lifecycle?: CompiledLifecycle;
  /** How sleeps end at their instant: the precise clock, or timers (a closed model, some tests). */
  wakeAt?: WakeAt;
}

export class ScenarioRuntime {
  readonly recorder: ScenarioRecorder;
  readonly startMs: number;
  accepting = true;
  hardStopped = false;
  /**
   * The scenario is over (close()): an interrupted iteration's answer that arrives now is dropped, as after a
   * hard stop; the shard is about to close its connections, which would turn it into a false error.
   */
  closed = false;
  /** Iterations running and not interrupted: what gracefulStop waits for. */
  inFlight = 0;
  /** Breakpoint scenarios: where stepping was told to stop, in µs from this scenario's start. */
  steppingStopUs: number | undefined;
  /** VUs made so far: the next one's offset from the scenario's first id and lane. */
  private vuCount = 0;
  private readonly sleepers = new Set<() => void>();
  private drainWaiters: (() => void)[] = [];
  /** VUs whose setup ran: each gets its teardown at the end. */
  private readonly setUpVUs: VU[] = [];

  constructor(private readonly options: ScenarioRuntimeOptions) {
    this.recorder = options.recorder;
    this.startMs = options.startMs;
  }

  nowMs(): number {
    return performance.now();
  }

  newVU(): VU {
    const { firstId, firstLane } = this.options.vus;
    const offset = this.vuCount++;
    return createVU(firstId + offset, firstLane + offset, this.options.scenario, this.options.env);
  }

  /**
   * Resolves at `ms` (performance.now() time), never before, or as soon as the scenario stops accepting
   * work. Open-model arrivals wait here, so its precision is the schedule's (see precise-clock.ts).
   */
  waitUntil(ms: number): Promise<void> {
    if (ms - this.nowMs() <= 0 || !this.accepting) return Promise.resolve();
    const wakeAt = this.options.wakeAt ?? preciseWakeAt;
    return new Promise((resolve) => {
      const sleepers = this.sleepers;
      // Unset while wakeAt runs: an instant that passed meanwhile may fire done() before it returns.
      let cancel: (() => void) | undefined;
      function done() {
        cancel?.();
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
      cancel = wakeAt(ms, done);
    });
  }

  yieldToIO(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Runs one VU through iterations while `shouldContinue()` holds and the scenario accepts work. Ends after
   * an interrupted iteration, whose VU stopped counting as active when it was interrupted.
   */
  async loopVU(vu: VU, shouldContinue: () => boolean): Promise<void> {
    this.recorder.vusChanged(1);
    let counted = true;
    try {
      while (this.accepting && shouldContinue()) {
        if (!(await this.iterate(vu))) {
          counted = false;
          break;
        }
      }
    } finally {
      if (counted) this.recorder.vusChanged(-1);
    }
  }

  /** Runs one iteration; false when it was interrupted (and so already counted). */
  async iterate(vu: VU, scheduledAtMs?: number): Promise<boolean> {
    if (!this.accepting) return true;
    this.inFlight++;
    const open = scheduledAtMs !== undefined;
    if (open) this.recorder.vusChanged(1);
    const it: IterationState = {
      scheduledAtMs,
      failed: false,
      aborted: false,
      interrupted: false,
      waiting: undefined,
    };
    // Set before the setup: a ramp-down deadline that falls in a slow setup interrupts the iteration too.
    vu.iteration = it;
    // Closed models time an iteration from after the VU's setup; open ones from when it was due.
    if (this.options.lifecycle && !vu.lifecycle) await this.setUp(vu, this.options.lifecycle);
    const startMs = scheduledAtMs ?? this.nowMs();
    for (const [name, cursor] of this.options.feeders) vu.ctx.data[name] = cursor.take();
    try {
      if (!it.interrupted) await this.options.flow(vu, it);
    } catch (error) {
      it.failed = true;
      this.options.iterationErrors.failedAttempt('other', `iteration error: ${(error as Error).message}`);
    }
    vu.iteration = undefined;
    vu.ctx.iteration++;
    if (it.interrupted) return false;
    if (!this.hardStopped) this.recorder.iterationDone((this.nowMs() - startMs) * 1000, it.failed);
    if (open) this.recorder.vusChanged(-1);
    this.iterationEnded();
    return true;
  }

  /**
   * Gives up on the iteration `vu` runs in loopVU (its ramp-down grace is over): it counts as interrupted,
   * not as done, and the VU no longer as active. A pause or WebSocket session it waits in ends now; a
   * request in flight is left to finish (recorded if answered before the scenario ends), and no further
   * step runs. One call per iteration at most counts; none after a hard stop, which counts for itself.
   */
  interrupt(vu: VU): void {
    const it = vu.iteration;
    if (!it || it.interrupted || this.hardStopped) return;
    it.interrupted = it.aborted = true;
    this.recorder.interruptedIterations++;
    this.recorder.vusChanged(-1);
    this.iterationEnded();
    it.waiting?.abort();
  }

  private iterationEnded(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drainWaiters.length) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Runs the VU's setup flow once; it sees a feeder row of its own, as an iteration does. */
  private async setUp(vu: VU, lifecycle: CompiledLifecycle): Promise<void> {
    this.setUpVUs.push(vu);
    for (const [name, cursor] of this.options.feeders) vu.ctx.data[name] = cursor.take();
    try {
      await lifecycle.setup(vu);
    } catch (error) {
      this.options.iterationErrors.failedAttempt('other', `setup error: ${(error as Error).message}`);
    }
  }

  /**
   * Runs every set-up VU's teardown flow at once, up to `timeoutMs`; skipped after a hard stop, when
   * nothing may be sent any more. Returns how many teardowns had not finished in time.
   */
  async teardown(timeoutMs: number): Promise<number> {
    const lifecycle = this.options.lifecycle;
    if (!lifecycle || this.hardStopped || this.setUpVUs.length === 0) return 0;
    let pending = this.setUpVUs.length;
    const all = Promise.all(
      this.setUpVUs.map((vu) =>
        lifecycle
          .teardown(vu)
          .catch((error: Error) =>
            this.options.iterationErrors.failedAttempt('other', `teardown error: ${error.message}`),
          )
          .finally(() => pending--),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return pending;
  }

  /** Stop starting iterations; wakes every sleeper so executors return promptly. */
  stopAccepting(): void {
    this.accepting = false;
    for (const wake of [...this.sleepers]) wake();
  }

  /** Waits for in-flight iterations to finish, up to `timeoutMs`. Returns how many were still running. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.inFlight === 0) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(MAX_TIMER_MS, timeoutMs));
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.inFlight;
  }

  /** Gives up on running iterations: they are counted as interrupted and record nothing further. */
  hardStop(): void {
    this.hardStopped = true;
    this.recorder.interruptedIterations += this.inFlight;
  }

  /** The scenario is over, its teardown too: whatever interrupted iterations still wait for is dropped. */
  close(): void {
    this.closed = true;
  }
}
