/** Messages between the local coordinator and its worker threads. */
import type { LoadTest } from '../api/schema.js';
import type { ShardPolicy } from '../engine/shard-runner.js';
import type { StopStepping } from '../engine/stepping.js';
import type { IntervalSnapshot, ShardSnapshot } from '../metrics/snapshot.js';

export interface WorkerInput {
  loadTest: LoadTest;
  shard: { index: number; total: number };
  baseDir: string;
  env: Record<string, string>;
  /** Values from Secrets, redacted in every output. */
  secrets?: string[];
  threads: number;
  /** False: the coordinator runs spec.postgres setup and teardown itself, once. */
  postgresSetup: boolean;
  policy?: ShardPolicy;
  /**
   * Every how many seconds the worker sends its whole cumulative snapshot; the seconds between carry only
   * the new per-second intervals. 1 when the coordinator merges live (progress, abortOnFail, stopWhen).
   */
  fullSnapshotEverySeconds: number;
}

export type ToWorker =
  | { type: 'start'; startAtEpochMs: number }
  | { type: 'stop' }
  | { type: 'stop-stepping'; order: StopStepping };

export type FromWorker =
  | { type: 'ready' }
  /**
   * Cumulative but for `intervals`, which hold only the seconds from `intervalsFrom` on: resending every
   * second of an hour-long run each second would cost the load thread milliseconds per send.
   */
  | { type: 'snapshot'; snapshot: ShardSnapshot; intervalsFrom: number }
  /** The seconds from `intervalsFrom` on, between two cumulative snapshots. */
  | { type: 'intervals'; intervals: IntervalSnapshot[]; intervalsFrom: number }
  | { type: 'done'; snapshot: ShardSnapshot; intervalsFrom: number }
  | { type: 'failed'; message: string };
