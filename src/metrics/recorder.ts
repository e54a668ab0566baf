/**
 * Mutable per-shard metric state on the hot path. Recording is a few field increments and one histogram
 * record per request; everything else (per-scenario and overall views) is derived by merging at snapshot time.
 */
import { hostname } from 'node:os';
import { addError, type ErrorClass, emptyErrorCounts } from './error-class.js';
import {
  createHistogram,
  createIntervalHistogram,
  encodeHistogram,
  HIGHEST_US,
  type Histogram,
  recordUs,
} from './histogram.js';
import { PgMetrics, WsMetrics } from './protocol-metrics.js';
import type {
  ErrorSample,
  IntervalSnapshot,
  LoadModel,
  ScenarioSnapshot,
  ShardSnapshot,
  StepProtocol,
  SteppingStop,
  StepSnapshot,
} from './snapshot.js';
import { SNAPSHOT_SCHEMA_VERSION } from './snapshot.js';

/** Distinct error messages kept per shard; beyond this only counts grow, so memory stays bounded. */
const MAX_ERROR_SAMPLES = 50;
const MAX_MESSAGE_LENGTH = 200;

class IntervalAccumulator {
  requests = 0;
  failures = 0;
  bytesIn = 0;
  iterations = 0;
  dropped = 0;
  checksPass = 0;
  checksFail = 0;
  readonly duration = createIntervalHistogram();
  /** Open models: how late iterations started in this second. */
  readonly lag = createIntervalHistogram();

  reset(): void {
    this.requests = this.failures = this.bytesIn = this.iterations = this.dropped = 0;
    this.checksPass = this.checksFail = 0;
    this.duration.reset();
    this.lag.reset();
  }
}

export class StepRecorder {
  requests = 0;
  failures = 0;
  bytesIn = 0;
  bytesOut = 0;
  checksPass = 0;
  checksFail = 0;
  readonly errors = emptyErrorCounts();
  /** HTTP status codes; gRPC status names (OK, NOT_FOUND, ...). */
  readonly statuses = new Map<number | string, number>();
  readonly duration: Histogram = createHistogram();
  readonly service: Histogram | undefined;
  readonly ws: WsMetrics | undefined;
  readonly pg: PgMetrics | undefined;
  /** gRPC: response messages received. */
  grpcMessages = 0;

  constructor(
    readonly scenario: string,
    readonly step: string,
    private readonly shard: ShardRecorder,
    model: LoadModel,
    readonly protocol: StepProtocol = 'http',
  ) {
    this.service = model === 'open' ? createHistogram() : undefined;
    this.ws = protocol === 'ws' ? new WsMetrics() : undefined;
    this.pg = protocol === 'pg' ? new PgMetrics() : undefined;
  }

  /** A completed response. `latencyUs` counts from the scheduled start where there is one. */
  response(latencyUs: number, serviceUs: number, status: number, bytesIn: number, bytesOut: number): void {
    this.requests++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, serviceUs);
    const interval = this.shard.interval;
    interval.requests++;
    interval.bytesIn += bytesIn;
    recordUs(interval.duration, latencyUs);
  }

  /** A request that produced no response (refused, reset, timeout, ...). */
  transportError(errorClass: ErrorClass, message: string, bytesOut: number): void {
    this.transportAttempt(bytesOut);
    this.failure(errorClass, message);
  }

  /** A request that produced no response and is retried: it counts as a request, not as a failure. */
  transportAttempt(bytesOut: number): void {
    this.requests++;
    this.bytesOut += bytesOut;
    this.shard.interval.requests++;
  }

  /** Marks the last request failed; call once per failed request. */
  failure(errorClass: ErrorClass, message: string): void {
    this.failures++;
    addError(this.errors, errorClass);
    this.shard.interval.failures++;
    this.shard.noteError(errorClass, this.scenario, this.step, message);
  }

  /** WebSocket: a completed handshake (one request, its time in the connect histogram). */
  wsConnected(connectUs: number): void {
    const ws = this.ws as WsMetrics;
    ws.sessions++;
    recordUs(ws.connect, connectUs);
    this.requests++;
    this.shard.interval.requests++;
  }

  /** WebSocket: a reply arrived `roundTripUs` after its message was sent. */
  wsReply(roundTripUs: number): void {
    this.requests++;
    recordUs(this.duration, roundTripUs);
    if (this.service) recordUs(this.service, roundTripUs);
    const interval = this.shard.interval;
    interval.requests++;
    recordUs(interval.duration, roundTripUs);
  }

  /** WebSocket: a reply that timed out or did not match (one failed request). */
  wsReplyFailed(errorClass: ErrorClass, message: string): void {
    this.requests++;
    this.shard.interval.requests++;
    this.failure(errorClass, message);
  }

  wsSessionEnded(sessionUs: number): void {
    recordUs((this.ws as WsMetrics).session, sessionUs);
  }

  /** WebSocket: receipt time minus the server's timestamp (latencyFrom). */
  wsDelivery(us: number): void {
    (this.ws as WsMetrics).recordDelivery(us);
  }

  wsSent(bytes: number): void {
    (this.ws as WsMetrics).messagesSent++;
    this.bytesOut += bytes;
  }

  wsReceived(bytes: number): void {
    (this.ws as WsMetrics).messagesReceived++;
    this.bytesIn += bytes;
    this.shard.interval.bytesIn += bytes;
  }

  /**
   * PostgreSQL: one query or transaction. `latencyUs` is what the caller waited (from the scheduled start in
   * open models), `poolWaitUs` the wait for a connection and `queryUs` the time on the connection.
   */
  pgQuery(latencyUs: number, poolWaitUs: number, queryUs: number, rows: number): void {
    const pg = this.pg as PgMetrics;
    pg.rows += rows;
    recordUs(pg.poolWait, poolWaitUs);
    recordUs(pg.query, queryUs);
    this.requests++;
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, poolWaitUs + queryUs);
    const interval = this.shard.interval;
    interval.requests++;
    recordUs(interval.duration, latencyUs);
  }

  /** PostgreSQL: a query that failed; the pool wait is recorded when a connection was obtained. */
  pgFailed(errorClass: ErrorClass, message: string, poolWaitUs: number | undefined): void {
    if (poolWaitUs !== undefined) recordUs((this.pg as PgMetrics).poolWait, poolWaitUs);
    this.requests++;
    this.shard.interval.requests++;
    this.failure(errorClass, message);
  }

  /**
   * gRPC: one call that ended with a status. `latencyUs` runs from the scheduled start (open models) to the
   * response or the end of the stream; `serviceUs` from the call's start. Failing statuses go on to failure().
   */
  grpcCall(
    latencyUs: number,
    serviceUs: number,
    status: string,
    messages: number,
    bytesIn: number,
    bytesOut: number,
  ): void {
    this.requests++;
    this.grpcMessages += messages;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, serviceUs);
    const interval = this.shard.interval;
    interval.requests++;
    interval.bytesIn += bytesIn;
    recordUs(interval.duration, latencyUs);
  }

  check(passed: boolean): void {
    if (passed) {
      this.checksPass++;
      this.shard.interval.checksPass++;
    } else {
      this.checksFail++;
      this.shard.interval.checksFail++;
    }
  }

  snapshot(): StepSnapshot {
    const errors: StepSnapshot['errors'] = {};
    for (const [k, v] of Object.entries(this.errors)) if (v) errors[k as ErrorClass] = v;
    return {
      scenario: this.scenario,
      step: this.step,
      protocol: this.protocol,
      requests: this.requests,
      failures: this.failures,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      errors,
      statuses: Object.fromEntries([...this.statuses].map(([s, n]) => [String(s), n])),
      checks: { passes: this.checksPass, fails: this.checksFail },
      durationHdr: encodeHistogram(this.duration),
      ...(this.service ? { serviceHdr: encodeHistogram(this.service) } : {}),
      ...(this.ws ? { ws: this.ws.snapshot() } : {}),
      ...(this.pg ? { pg: this.pg.snapshot() } : {}),
      ...(this.protocol === 'grpc' ? { grpc: { messages: this.grpcMessages } } : {}),
    };
  }
}

export class ScenarioRecorder {
  iterations = 0;
  failedIterations = 0;
  droppedIterations = 0;
  interruptedIterations = 0;
  activeVUs = 0;
  peakVUs = 0;
  readonly iteration = createHistogram();
  readonly scheduleLag: Histogram | undefined;
  stepping: SteppingStop | undefined;

  constructor(
    readonly name: string,
    readonly executor: string,
    readonly model: LoadModel,
    private readonly shard: ShardRecorder,
  ) {
    this.scheduleLag = model === 'open' ? createHistogram() : undefined;
  }

  iterationDone(durationUs: number, failed: boolean): void {
    this.iterations++;
    if (failed) this.failedIterations++;
    this.shard.interval.iterations++;
    recordUs(this.iteration, durationUs);
  }

  dropped(): void {
    this.droppedIterations++;
    this.shard.interval.dropped++;
  }

  lag(us: number): void {
    if (!this.scheduleLag) return;
    recordUs(this.scheduleLag, us);
    recordUs(this.shard.interval.lag, us);
  }

  vusChanged(delta: number): void {
    this.activeVUs += delta;
    if (this.activeVUs > this.peakVUs) this.peakVUs = this.activeVUs;
  }

  snapshot(): ScenarioSnapshot {
    return {
      name: this.name,
      executor: this.executor,
      model: this.model,
      iterations: this.iterations,
      failedIterations: this.failedIterations,
      droppedIterations: this.droppedIterations,
      interruptedIterations: this.interruptedIterations,
      activeVUs: this.activeVUs,
      peakVUs: this.peakVUs,
      iterationHdr: encodeHistogram(this.iteration),
      ...(this.scheduleLag ? { scheduleLagHdr: encodeHistogram(this.scheduleLag) } : {}),
      ...(this.stepping ? { stepping: { ...this.stepping } } : {}),
    };
  }
}

export interface HealthSample {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuPercent: number;
  rssMb?: number;
}

export class ShardRecorder {
  readonly interval = new IntervalAccumulator();
  private readonly steps = new Map<string, StepRecorder>();
  private readonly scenarios = new Map<string, ScenarioRecorder>();
  private readonly intervals: IntervalSnapshot[] = [];
  private readonly errorSamples = new Map<string, ErrorSample>();
  private startedAtMs = Date.now();
  private startedAtPerfMs = performance.now();
  private done = false;
  /** Removes the run's secret values from error messages before they are kept (see secret-redactor.ts). */
  redact: (text: string) => string = (text) => text;

  constructor(
    readonly shardIndex: number,
    readonly shardTotal: number,
    private readonly processInfo: { cores: number; threads: number },
  ) {}

  /** Resets the clock; called once when load starts (after setup and any synchronized-start wait). */
  start(): void {
    this.startedAtMs = Date.now();
    this.startedAtPerfMs = performance.now();
  }

  elapsedMs(): number {
    return performance.now() - this.startedAtPerfMs;
  }

  scenario(name: string, executor: string, model: LoadModel): ScenarioRecorder {
    let s = this.scenarios.get(name);
    if (!s) {
      s = new ScenarioRecorder(name, executor, model, this);
      this.scenarios.set(name, s);
    }
    return s;
  }

  step(scenario: string, step: string, model: LoadModel, protocol: StepProtocol = 'http'): StepRecorder {
    const key = `${scenario}\u0000${step}`;
    let s = this.steps.get(key);
    if (!s) {
      s = new StepRecorder(scenario, step, this, model, protocol);
      this.steps.set(key, s);
    } else if (s.protocol !== protocol) {
      // Validation rejects one name on steps of two protocols; this guards programmatic callers.
      throw new Error(`step "${step}" of scenario "${scenario}" is both ${s.protocol} and ${protocol}`);
    }
    return s;
  }

  noteError(errorClass: ErrorClass, scenario: string, step: string, message: string): void {
    const key = `${errorClass}\u0000${scenario}\u0000${step}\u0000${message}`;
    const sample = this.errorSamples.get(key);
    if (sample) sample.count++;
    else if (this.errorSamples.size < MAX_ERROR_SAMPLES) {
      this.errorSamples.set(key, {
        class: errorClass,
        scenario,
        step,
        message: this.redact(message).slice(0, MAX_MESSAGE_LENGTH),
        count: 1,
      });
    }
  }

  /** Closes the current one-second interval. Called by one coarse timer, not per request. */
  closeInterval(health: HealthSample): void {
    const i = this.interval;
    let vus = 0;
    for (const s of this.scenarios.values()) vus += s.activeVUs;
    this.intervals.push({
      second: Math.max(1, Math.round(this.elapsedMs() / 1000)),
      requests: i.requests,
      failures: i.failures,
      bytesIn: i.bytesIn,
      iterations: i.iterations,
      dropped: i.dropped,
      checksPass: i.checksPass,
      checksFail: i.checksFail,
      vus,
      durationHdr: encodeHistogram(i.duration),
      loopDelayP99Ms: round2(health.loopDelayP99Ms),
      loopDelayMaxMs: round2(health.loopDelayMaxMs),
      cpuPercent: round2(health.cpuPercent),
      ...(i.lag.totalCount ? { scheduleLagP99Ms: round2(i.lag.getValueAtPercentile(99) / 1000) } : {}),
      ...(health.rssMb !== undefined ? { rssMb: Math.round(health.rssMb * 10) / 10 } : {}),
    });
    i.reset();
  }

  finish(): void {
    this.done = true;
  }

  /**
   * Runs the snapshot path once on scratch data before load starts: the first encoding compiles the
   * codec and allocates its buffers, which took tens of milliseconds on the load thread in the first second.
   */
  warmUp(): void {
    const scratch = createHistogram();
    for (let us = 1; us < HIGHEST_US; us *= 3) recordUs(scratch, us);
    encodeHistogram(scratch);
    const interval = createIntervalHistogram();
    recordUs(interval, 1000);
    encodeHistogram(interval);
    this.snapshot();
  }

  /** Cumulative, except that `intervalsFrom` leaves out the seconds a reader already holds. */
  snapshot(intervalsFrom = 0): ShardSnapshot {
    return {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      shard: { index: this.shardIndex, total: this.shardTotal },
      process: { key: `${hostname()}:${process.pid}`, ...this.processInfo },
      startedAtMs: this.startedAtMs,
      elapsedMs: Math.round(this.elapsedMs()),
      done: this.done,
      steps: [...this.steps.values()]
        .filter((s) => s.requests > 0 || s.failures > 0)
        .map((s) => s.snapshot()),
      scenarios: [...this.scenarios.values()].map((s) => s.snapshot()),
      intervals: this.intervals.slice(intervalsFrom),
      errorSamples: [...this.errorSamples.values()].map((e) => ({ ...e })),
    };
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
