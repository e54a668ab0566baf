/** Messages between the local coordinator and its worker threads. */
import type { LoadTest } from '../api/schema.js';
import type { StopStepping } from '../engine/stepping.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';

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
}

export type ToWorker =
  | { type: 'start'; startAtEpochMs: number }
  | { type: 'stop' }
  | { type: 'stop-stepping'; order: StopStepping };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'snapshot'; snapshot: ShardSnapshot }
  | { type: 'done'; snapshot: ShardSnapshot }
  | { type: 'failed'; message: string };
