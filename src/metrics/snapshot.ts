/**
 * The snapshot: a plain JSON object a shard (worker thread or runner pod) hands to whoever aggregates.
 * Cumulative since the shard started, so re-pulling after a restart loses nothing. Histograms are
 * compressed-base64 HDR in microseconds.
 */
import type { CoresFrom } from './cpu-quota.js';
import type { CustomMetricSnapshot } from './custom-metrics.js';
import type { ErrorClass } from './error-class.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;

export type LoadModel = 'open' | 'closed';

/** `http2`: an HTTP step sent over HTTP/2 (spec.target.http2); it has statuses like `http`. */
/** Every protocol a step can record under; the snapshot check at the controller accepts exactly these. */
export const STEP_PROTOCOLS = ['http', 'http2', 'ws', 'pg', 'grpc'] as const;
export type StepProtocol = (typeof STEP_PROTOCOLS)[number];

export interface StepSnapshot {
  scenario: string;
  step: string;
  protocol: StepProtocol;
  /**
   * HTTP: requests sent. WebSocket: connection attempts plus replies awaited. PostgreSQL: queries (or
   * transactions) run.
   */
  requests: number;
  /** Requests that failed: transport error, HTTP >= 400 (unless a status check allows it) or a failed check. */
  failures: number;
  bytesIn: number;
  bytesOut: number;
  errors: Partial<Record<ErrorClass, number>>;
  statuses: Record<string, number>;
  checks: { passes: number; fails: number };
  /** What a user waits: in open models the first step of an iteration counts from its scheduled start. */
  durationHdr: string;
  /** Pure service time (send to last byte). Present only where it can differ from durationHdr. */
  serviceHdr?: string;
  /** WebSocket steps only; durationHdr holds their reply round trips. */
  ws?: WsStepSnapshot;
  /** PostgreSQL steps only; durationHdr holds pool wait plus query time. */
  pg?: PgStepSnapshot;
  /** gRPC steps only; durationHdr holds each call to its response (unary) or the end of its stream. */
  grpc?: GrpcStepSnapshot;
  /** Custom metrics the step declares (`metric:`); absent when it declares none. */
  custom?: CustomMetricSnapshot[];
}

export interface GrpcStepSnapshot {
  /** Response messages received (one per unary call, any number per server stream). */
  messages: number;
}

export interface WsStepSnapshot {
  /** Connections that completed the handshake. */
  sessions: number;
  messagesSent: number;
  messagesReceived: number;
  /** TCP connect plus upgrade handshake. */
  connectHdr: string;
  /** Open to close of each session. */
  sessionHdr: string;
  /** Receipt time minus the server timestamp named by latencyFrom; present only when it was recorded. */
  deliveryHdr?: string;
}

export interface PgStepSnapshot {
  /** Rows the server returned. */
  rows: number;
  /** Waiting for a pooled connection (including opening a new one), apart from query time. */
  poolWaitHdr: string;
  /** From sending the query (or BEGIN) to its last row (or COMMIT). */
  queryHdr: string;
}

export interface ScenarioSnapshot {
  name: string;
  executor: string;
  model: LoadModel;
  iterations: number;
  failedIterations: number;
  droppedIterations: number;
  interruptedIterations: number;
  activeVUs: number;
  peakVUs: number;
  iterationHdr: string;
  /** Open models: how late each iteration started against its schedule. */
  scheduleLagHdr?: string;
  /** Breakpoint scenarios told to stop stepping. */
  stepping?: SteppingStop;
}

/** Where a breakpoint scenario stopped stepping, and why. */
export interface SteppingStop {
  /** ms from the test's start at which the recovery (or the end) began. */
  stoppedAtMs: number;
  level: number;
  condition: string;
}

export interface IntervalSnapshot {
  /** Its index from 1: interval `second: s` covers (s-1, s] seconds since the shard's start (seconds.ts). */
  second: number;
  /**
   * Only on a partial second (load ended inside it, so it is the shard's last): how long it ran, ms (< 1000).
   * Rates over it divide by this, not by a whole second.
   */
  lengthMs?: number;
  requests: number;
  failures: number;
  bytesIn: number;
  iterations: number;
  dropped: number;
  checksPass: number;
  checksFail: number;
  vus: number;
  durationHdr: string;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** This shard's load thread's CPU over the second, percent of one core (at most 100). */
  cpuPercent: number;
  /** Open models: p99 of how late this second's iterations started; absent when none was due. */
  scheduleLagP99Ms?: number;
  /** Process resident memory at the end of the second, MB. */
  rssMb?: number;
}

export interface ErrorSample {
  class: ErrorClass;
  scenario: string;
  step: string;
  message: string;
  count: number;
}

export interface ShardSnapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  shard: { index: number; total: number };
  /**
   * `key` identifies the OS process: its memory is counted once, its threads' CPU at most on its cores.
   * `cores` it could use (fractional under a cgroup CPU quota); `coresFrom` says which bound set them, absent
   * from runners that predate it (read as 'cpus').
   */
  process: { key: string; cores: number; threads: number; coresFrom?: CoresFrom };
  startedAtMs: number;
  elapsedMs: number;
  done: boolean;
  steps: StepSnapshot[];
  scenarios: ScenarioSnapshot[];
  intervals: IntervalSnapshot[];
  errorSamples: ErrorSample[];
}
