/** What the controller observes about one LoadTest, and the actions it can take. */
import type { LoadTest } from '../api/schema.js';
import type { LoadTestStatus } from '../api/status-schema.js';
import type { StopStepping } from '../engine/stepping.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { Summary } from '../report/summary.js';
import type { RunnerState } from '../runner/protocol.js';
import type { ObservedBaseline } from './baseline.js';

export interface ObservedLoadTest extends LoadTest {
  metadata: LoadTest['metadata'] & {
    name: string;
    namespace: string;
    uid: string;
    generation: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  status?: LoadTestStatus;
}

export interface ObservedPod {
  name: string;
  phase: string;
  ready: boolean;
  ip: string | undefined;
  deleting: boolean;
  /** Why a container is waiting or terminated, if it is. */
  reason: string | undefined;
}

export interface ObservedRunner {
  index: number;
  pod: ObservedPod | undefined;
  /** GET /snapshot from the runner, when it answered this time. */
  state: RunnerState | undefined;
  /**
   * The last good snapshot of the shard: received by this controller process, or read back from its
   * checkpoint after a restart (survives a crashed runner).
   */
  lastSnapshot: ShardSnapshot | undefined;
  /** Why the shard is lost by its own answer: a malformed snapshot, a failed setup. */
  problem?: string;
  /**
   * The signal that stopped the runner before its planned end (SIGTERM: pod deleted, evicted, past the
   * Job's deadline). Its final snapshot is kept, but the shard did not run its share: lost.
   */
  interrupted?: string;
  /** spec.postgres.teardown failed after the shard's load: said in the outcome detail. */
  teardownError?: string;
  /** What the shard's checkpoint ConfigMap holds, when this controller saved or read one. */
  checkpoint?: { elapsedMs: number; done: boolean };
}

export interface ObservedJob {
  createdAtMs: number;
  failedIndexes: number[];
}

/** A configMap feeder's ConfigMap key, as observe found it (read only until the spec ConfigMap exists). */
export type ObservedFeederSource =
  | { feeder: string; text: string }
  | { feeder: string; missing: 'configMap' | 'key' | 'binary'; keys?: string[] };

export interface Observed {
  nowMs: number;
  loadTest: ObservedLoadTest;
  specConfigMapExists: boolean;
  job: ObservedJob | undefined;
  runners: ObservedRunner[];
  /** The report ConfigMap's summary, once written: the test is over. */
  report: Summary | undefined;
  /** Why the report ConfigMap's name is taken by one this LoadTest does not own (never read or written). */
  foreignReport?: string;
  /** spec.baseline's report, read while the test runs (absent without spec.baseline or once reported). */
  baseline?: ObservedBaseline;
  /** configMap feeders' data, read while the spec ConfigMap is still to be written. */
  feederSources?: ObservedFeederSource[];
}

export type Action =
  | { kind: 'createSpecConfigMap'; manifest: string; files: Record<string, string> }
  | { kind: 'createJob' }
  | { kind: 'startRunners'; indexes: number[]; startAt: number }
  | { kind: 'stopRunners'; indexes: number[] }
  | { kind: 'stopStepping'; indexes: number[]; order: StopStepping }
  | { kind: 'releaseRunners'; indexes: number[] }
  | { kind: 'writeReport'; summary: Summary }
  | { kind: 'checkpoint'; index: number; snapshot: ShardSnapshot; interrupted?: string }
  | { kind: 'event'; type: 'Normal' | 'Warning'; reason: string; message: string }
  | { kind: 'deleteLoadTest' };

export interface Decision {
  status: LoadTestStatus;
  actions: Action[];
  /** Reconcile again after this long; undefined: only on the next change. */
  requeueAfterMs: number | undefined;
}

export interface ControllerSettings {
  /** Runners must all be ready within this long after the Job is created. */
  readyTimeoutMs: number;
  /** The shared start is this far in the future, so every runner hears of it in time. */
  startLeadMs: number;
  /** How often running tests are pulled and merged. */
  pullIntervalMs: number;
  /** Delete finished LoadTests after this long; undefined keeps them. */
  ttlAfterFinishedMs: number | undefined;
}

export const DEFAULT_SETTINGS: ControllerSettings = {
  readyTimeoutMs: 120_000,
  startLeadMs: 2_000,
  pullIntervalMs: 2_000,
  ttlAfterFinishedMs: undefined,
};
