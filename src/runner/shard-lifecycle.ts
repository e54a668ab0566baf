/**
 * One runner's lifecycle as the control API sees it: preparing (spec.postgres.setup), waiting for /start,
 * running, done, released. The decisions (may this /start begin the run? what state do we report? which exit
 * code?) are pure functions; ShardLifecycle holds the state the handlers share and wakes the main loop.
 */
import type { Shard } from '../engine/shard.js';
import type { ShardRunner } from '../engine/shard-runner.js';
import type { StopStepping } from '../engine/stepping.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { sliceIntervals } from '../metrics/snapshot-delta.js';
import type { ControlHandlers } from './control-api.js';
import { implausibleStart, type StartWindow } from './control-auth.js';
import type { RunnerState } from './protocol.js';

/** Exit codes before a run started: the pod fails fast and the controller reports why. */
export const RUNNER_NEVER_STARTED = 3;
export const RUNNER_SETUP_FAILED = 4;

export interface LifecycleState {
  prepared: boolean;
  setupError: string | undefined;
  startAt: number | undefined;
  /** A signal that stopped the run before its end, told to the controller with every snapshot. */
  interrupted?: RunnerState['interrupted'];
  /** The run has ended, teardown included: only then is the runner done. */
  runEnded: boolean;
  teardownError?: string | undefined;
}

export type StartDecision =
  | { begin: true }
  | { begin: false; reply: { accepted: boolean; message: string; implausible?: boolean } };

/** Whether a /start for `at` begins the run now, or the reply that refuses (or repeats) it. */
export function decideStart(
  state: LifecycleState,
  at: number,
  nowMs: number,
  window: StartWindow,
): StartDecision {
  if (!state.prepared) {
    return {
      begin: false,
      reply: { accepted: false, message: state.setupError ?? 'spec.postgres.setup has not finished' },
    };
  }
  if (state.startAt === undefined) {
    const implausible = implausibleStart(at, nowMs, window);
    if (implausible)
      return { begin: false, reply: { accepted: false, implausible: true, message: implausible } };
    return { begin: true };
  }
  // A controller that restarted may send /start again; the same instant is not a conflict.
  const message = `already started at ${new Date(state.startAt).toISOString()}`;
  return { begin: false, reply: { accepted: state.startAt === at, message } };
}

/**
 * What /snapshot reports: failed setup, preparing, waiting, running or done. `intervalsFrom` is set when
 * the snapshot carries only the intervals from that index on (an interval delta, metrics/snapshot-delta.ts).
 */
export function runnerState(
  state: LifecycleState,
  snapshot: ShardSnapshot,
  intervalsFrom?: number,
): RunnerState {
  const delta = intervalsFrom !== undefined ? { intervalsFrom } : {};
  if (state.setupError) return { state: 'failed', error: state.setupError, snapshot, ...delta };
  if (!state.prepared) return { state: 'preparing', snapshot, ...delta };
  const { startAt } = state;
  // Load may have ended (snapshot.done) while shard 0 still runs spec.postgres.teardown: not done yet, or
  // the controller would finish the test (and remove the pod) under a running teardown.
  const phase = startAt === undefined ? 'waiting' : snapshot.done && state.runEnded ? 'done' : 'running';
  const interrupted = state.interrupted ? { interrupted: state.interrupted } : {};
  const teardown = phase === 'done' && state.teardownError ? { teardownError: state.teardownError } : {};
  return {
    state: phase,
    ...(startAt !== undefined ? { startAt } : {}),
    ...interrupted,
    ...teardown,
    snapshot,
    ...delta,
  };
}

/** The exit code of a runner that never started its run. */
export function exitCodeBeforeStart(stopRequested: boolean, setupError: string | undefined): number {
  if (setupError) return RUNNER_SETUP_FAILED;
  return stopRequested ? 0 : RUNNER_NEVER_STARTED;
}

type Log = {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
};

export class ShardLifecycle implements LifecycleState {
  prepared = false;
  setupError: string | undefined;
  startAt: number | undefined;
  finished: Promise<unknown> | undefined;
  released = false;
  stopRequested = false;
  interrupted: RunnerState['interrupted'];
  runEnded = false;
  private wakeUp: () => void = () => undefined;

  get teardownError(): string | undefined {
    return this.runner.teardownError;
  }

  constructor(
    private readonly runner: ShardRunner,
    private readonly shard: Shard,
    private readonly window: StartWindow,
    private readonly log: Log,
  ) {}

  /** Resolves at the next change the main loop waits for (start, stop, release, failed setup). */
  woken(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
    });
  }

  wake(): void {
    this.wakeUp();
  }

  /** Runs spec.postgres.setup (when this shard owns it); only then does the runner report ready. */
  prepare(): void {
    const shard = this.shard;
    this.runner.prepare().then(
      () => {
        this.prepared = true;
        this.log.info({ shard }, 'runner ready');
      },
      (error: Error) => {
        this.setupError = error.message;
        this.log.error({ shard, err: error.message }, 'runner setup failed');
        this.wake();
      },
    );
  }

  start(at: number): { accepted: boolean; message: string; implausible?: boolean } {
    const shard = this.shard;
    const decision = decideStart(this, at, Date.now(), this.window);
    if (!decision.begin) {
      if (decision.reply.implausible)
        this.log.warn({ shard, startAt: at }, 'runner start refused: implausible instant');
      return decision.reply;
    }
    this.startAt = at;
    this.log.info({ shard, startAt: new Date(at).toISOString() }, 'runner start scheduled');
    this.finished = this.runner
      .run(at)
      .then(
        () => this.log.info({ shard }, 'runner finished'),
        (error: Error) => this.log.error({ shard, err: error.message }, 'runner failed'),
      )
      .finally(() => {
        this.runEnded = true;
      });
    this.wake();
    return { accepted: true, message: `starting at ${new Date(at).toISOString()}` };
  }

  stop(): void {
    this.stopRequested = true;
    this.runner.stop();
    this.wake();
  }

  /**
   * The kubelet's SIGTERM (pod deleted, evicted, past the Job's deadline): stop like /stop, and remember it
   * if it cut a run in progress short (not before the start, after the end or after the controller's stop).
   */
  interrupt(signal: NonNullable<RunnerState['interrupted']>): void {
    if (this.startAt !== undefined && !this.runEnded && !this.stopRequested) this.interrupted = signal;
    this.log.info({ shard: this.shard, interrupted: this.interrupted }, `runner got ${signal}, stopping`);
    this.stop();
  }

  stopStepping(order: StopStepping): { accepted: boolean; message: string } {
    if (this.startAt === undefined) return { accepted: false, message: 'not started' };
    if (!this.runner.plans.some((p) => p.scenario === order.scenario && p.executor === 'breakpoint'))
      return { accepted: false, message: `no breakpoint scenario ${order.scenario}` };
    this.runner.stopStepping(order);
    this.log.info({ shard: this.shard, ...order }, 'runner stops stepping');
    return { accepted: true, message: `stepping stops at ${order.atOffsetMs} ms` };
  }

  release(): void {
    this.released = true;
    this.wake();
  }

  /** The control API's handlers, bound to this lifecycle. */
  handlers(metrics: ControlHandlers['metrics']): ControlHandlers {
    return {
      ready: () => this.prepared,
      start: (at) => this.start(at),
      stop: () => this.stop(),
      stopStepping: (order) => this.stopStepping(order),
      release: () => this.release(),
      snapshot: (from) => {
        const { snapshot, intervalsFrom } = sliceIntervals(this.runner.snapshot(), from);
        return runnerState(this, snapshot, intervalsFrom);
      },
      metrics,
    };
  }
}
