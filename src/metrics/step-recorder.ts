/** Per-step counters and histograms on the hot path: a few field increments and one record per request. */
import type { CustomMetricType } from '../api/schema.js';
import { CustomMetricRecorder } from './custom-metrics.js';
import { addError, type ErrorClass, emptyErrorCounts } from './error-class.js';
import { createHistogram, encodeHistogram, type Histogram, recordUs } from './histogram.js';
import type { ShardSink } from './interval-accumulator.js';
import { PgMetrics, WsMetrics } from './protocol-metrics.js';
import type { LoadModel, StepProtocol, StepSnapshot } from './snapshot.js';

export class StepRecorder {
  requests = 0;
  failures = 0;
  bytesIn = 0;
  bytesOut = 0;
  checksPass = 0;
  checksFail = 0;
  readonly errors = emptyErrorCounts();
  /**
   * HTTP status codes; gRPC status names (OK, NOT_FOUND, ...). The latest status's run is counted in
   * `runStatus`/`runCount` and added here when another status arrives (or by statusCounts()): a step
   * answers with one status nearly always, so a request costs an increment instead of a Map lookup and store.
   */
  private readonly statuses = new Map<number | string, number>();
  private runStatus: number | string | undefined;
  private runCount = 0;
  readonly duration: Histogram = createHistogram();
  readonly service: Histogram | undefined;
  readonly ws: WsMetrics | undefined;
  readonly pg: PgMetrics | undefined;
  /** gRPC: response messages received. */
  grpcMessages = 0;
  /** Custom metrics (`metric:` on the step), by name; a handful at most (MAX_CUSTOM_METRICS per test). */
  readonly custom = new Map<string, CustomMetricRecorder>();

  constructor(
    readonly scenario: string,
    readonly step: string,
    private readonly shard: ShardSink,
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
    if (status === this.runStatus) this.runCount++;
    else this.countStatus(status);
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, serviceUs);
    const interval = this.shard.interval;
    interval.requests++;
    interval.bytesIn += bytesIn;
    recordUs(interval.duration, latencyUs);
  }

  /** Every status counted so far, by status. */
  private statusCounts(): Map<number | string, number> {
    this.flushStatusRun();
    return this.statuses;
  }

  /** Starts a run of `status`, after adding the previous run to the map. */
  private countStatus(status: number | string): void {
    this.flushStatusRun();
    this.runStatus = status;
    this.runCount = 1;
  }

  private flushStatusRun(): void {
    if (this.runCount === 0) return;
    const status = this.runStatus as number | string;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  /** A request that produced no response (refused, reset, timeout, ...). */
  transportError(errorClass: ErrorClass, message: string, bytesOut: number): void {
    this.transportAttempt(bytesOut);
    this.failure(errorClass, message);
  }

  /**
   * A request the client gave up waiting for (the request timeout): a request with no status whose latency
   * was at least `latencyUs`, so it is recorded at that in the latency figures thresholds, stop conditions
   * and levels read. Counts no failure: the caller adds it unless the attempt is retried.
   */
  timedOut(latencyUs: number, serviceUs: number, bytesOut: number): void {
    this.transportAttempt(bytesOut);
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, serviceUs);
    recordUs(this.shard.interval.duration, latencyUs);
  }

  /** A request that produced no response and is retried: it counts as a request, not as a failure. */
  transportAttempt(bytesOut: number): void {
    this.requests++;
    this.bytesOut += bytesOut;
    this.shard.interval.requests++;
  }

  /**
   * An iteration (or its setup or teardown) that failed before its step could send, e.g. a template error:
   * one failed attempt, counted like a refused request (a request and a failure, no latency), so failures
   * never outnumber requests and an iteration that always fails reads as 100% errors, not 0%.
   */
  failedAttempt(errorClass: ErrorClass, message: string): void {
    this.requests++;
    this.shard.interval.requests++;
    this.failure(errorClass, message);
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

  /**
   * WebSocket: no matching reply within replyTimeout. A latency at the time waited for it (`waitedUs`, at
   * least the timeout), like a request timeout; and a failed request.
   */
  wsReplyTimedOut(waitedUs: number, message: string): void {
    this.wsReply(waitedUs);
    this.failure('timeout', message);
  }

  /** WebSocket: a reply that did not match (one failed request, no latency). */
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

  /**
   * PostgreSQL: a statement the server cancelled at statement_timeout. Timed as a query (the caller waited
   * that long, the connection was held that long), and a failure.
   */
  pgTimedOut(
    latencyUs: number,
    poolWaitUs: number,
    queryUs: number,
    errorClass: ErrorClass,
    message: string,
  ): void {
    this.pgQuery(latencyUs, poolWaitUs, queryUs, 0);
    this.failure(errorClass, message);
  }

  /** PostgreSQL: a query that failed with no latency; the pool wait is recorded when a connection was obtained. */
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
    this.grpcUntimed(status, messages, bytesIn, bytesOut);
    recordUs(this.duration, latencyUs);
    if (this.service) recordUs(this.service, serviceUs);
    recordUs(this.shard.interval.duration, latencyUs);
  }

  /** gRPC: a call whose status has no latency (grpcStatusTimed: the target was not reached). */
  grpcUntimed(status: string, messages: number, bytesIn: number, bytesOut: number): void {
    this.requests++;
    this.grpcMessages += messages;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    if (status === this.runStatus) this.runCount++;
    else this.countStatus(status);
    const interval = this.shard.interval;
    interval.requests++;
    interval.bytesIn += bytesIn;
  }

  /** The recorder of one of the step's custom metrics, made on first use. */
  customMetric(name: string, type: CustomMetricType): CustomMetricRecorder {
    let m = this.custom.get(name);
    if (!m) {
      m = new CustomMetricRecorder(name, type);
      this.custom.set(name, m);
    }
    return m;
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
      statuses: Object.fromEntries([...this.statusCounts()].map(([s, n]) => [String(s), n])),
      checks: { passes: this.checksPass, fails: this.checksFail },
      durationHdr: encodeHistogram(this.duration),
      ...(this.service ? { serviceHdr: encodeHistogram(this.service) } : {}),
      ...(this.ws ? { ws: this.ws.snapshot() } : {}),
      ...(this.pg ? { pg: this.pg.snapshot() } : {}),
      ...(this.protocol === 'grpc' ? { grpc: { messages: this.grpcMessages } } : {}),
      ...(this.custom.size ? { custom: [...this.custom.values()].map((m) => m.snapshot()) } : {}),
    };
  }
}
