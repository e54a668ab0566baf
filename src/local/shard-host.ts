/**
 * One shard as the coordinator sees it: a worker thread running a ShardRunner. Keeps the latest cumulative
 * snapshot with every second received since, so a shard that dies still contributes what it measured: its
 * per-second series to its last second, its totals to its last full snapshot (WorkerInput's cadence).
 */
import { Worker } from 'node:worker_threads';
import type { StopStepping } from '../engine/stepping.js';
import type { IntervalSnapshot, ShardSnapshot } from '../metrics/snapshot.js';
import type { FromWorker, ToWorker, WorkerInput } from './messages.js';

export interface ShardHost {
  readonly index: number;
  readonly ready: Promise<void>;
  /** Resolves with the final snapshot, or rejects when the shard was lost. */
  readonly done: Promise<ShardSnapshot>;
  latest(): ShardSnapshot | undefined;
  /** Full snapshots received so far: latest()'s cumulative figures change only when this does. */
  readonly fullSnapshots: number;
  /** When the shard was lost (epoch ms), if it was. */
  readonly lostAtEpochMs: number | undefined;
  start(startAtEpochMs: number): void;
  stop(): void;
  stopStepping(order: StopStepping): void;
  /** Ends the shard at once (hard stop), keeping the last snapshot. */
  kill(): Promise<void>;
}

export class ShardLostError extends Error {
  readonly code = 'SHARD_LOST';
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class WorkerShard implements ShardHost {
  private readonly worker: Worker;
  private readonly readyD = deferred<void>();
  private readonly finished = deferred<ShardSnapshot>();
  private last: ShardSnapshot | undefined;
  private fullSnapshotsReceived = 0;
  private lostAt: number | undefined;
  /** Every second the shard has sent so far; messages carry only new ones. */
  private readonly intervals: IntervalSnapshot[] = [];

  constructor(
    readonly index: number,
    input: WorkerInput,
    workerUrl: URL,
  ) {
    this.worker = new Worker(workerUrl, { workerData: input });
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') this.readyD.resolve();
      else if (m.type === 'snapshot') this.last = this.accumulate(m.snapshot, m.intervalsFrom);
      else if (m.type === 'intervals') this.addIntervals(m.intervals, m.intervalsFrom);
      else if (m.type === 'done') {
        this.last = this.accumulate(m.snapshot, m.intervalsFrom);
        this.finished.resolve(this.last);
      } else if (m.type === 'failed') this.lose(m.message);
    });
    this.worker.on('error', (e) => this.lose(e.message));
    this.worker.on('exit', (code) => this.lose(`worker exited with code ${code}`));
  }

  /** The cumulative snapshot: the message's figures with every interval received so far. */
  private accumulate(snapshot: ShardSnapshot, intervalsFrom: number): ShardSnapshot {
    this.fullSnapshotsReceived++;
    this.keepIntervals(snapshot.intervals, intervalsFrom);
    return { ...snapshot, intervals: [...this.intervals] };
  }

  /** Seconds between two full snapshots: the last snapshot's figures, every interval so far. */
  private addIntervals(intervals: IntervalSnapshot[], intervalsFrom: number): void {
    this.keepIntervals(intervals, intervalsFrom);
    if (this.last) this.last = { ...this.last, intervals: [...this.intervals] };
  }

  /** The seconds a message carries replace any held from `intervalsFrom` on. */
  private keepIntervals(intervals: IntervalSnapshot[], intervalsFrom: number): void {
    this.intervals.length = Math.min(this.intervals.length, intervalsFrom);
    this.intervals.push(...intervals);
  }

  private lose(message: string) {
    // First loss only: a failed message and the exit after it are one loss.
    this.lostAt ??= Date.now();
    const error = new ShardLostError(`shard ${this.index}: ${message}`);
    this.readyD.reject(error);
    this.finished.reject(error);
  }

  get lostAtEpochMs() {
    return this.lostAt;
  }

  get fullSnapshots() {
    return this.fullSnapshotsReceived;
  }

  get ready() {
    return this.readyD.promise;
  }

  get done() {
    return this.finished.promise;
  }

  latest() {
    return this.last;
  }

  start(startAtEpochMs: number) {
    this.worker.postMessage({ type: 'start', startAtEpochMs } satisfies ToWorker);
  }

  stop() {
    this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
  }

  stopStepping(order: StopStepping) {
    this.worker.postMessage({ type: 'stop-stepping', order } satisfies ToWorker);
  }

  async kill() {
    await this.worker.terminate();
  }
}
