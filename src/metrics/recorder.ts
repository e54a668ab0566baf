/**
 * Mutable per-shard metric state on the hot path. Recording is a few field increments and one histogram
 * record per request (step-recorder.ts, scenario-recorder.ts); everything else (per-scenario and overall
 * views) is derived by merging at snapshot time.
 */
import { hostname } from 'node:os';
import type { ErrorClass } from './error-class.js';
import {
  createHistogram,
  createIntervalHistogram,
  encodeHistogram,
  HIGHEST_US,
  recordUs,
} from './histogram.js';
import { IntervalAccumulator, type ShardSink } from './interval-accumulator.js';
import { ScenarioRecorder } from './scenario-recorder.js';
import type { ErrorSample, IntervalSnapshot, LoadModel, ShardSnapshot, StepProtocol } from './snapshot.js';
import { SNAPSHOT_SCHEMA_VERSION } from './snapshot.js';
import { StepRecorder } from './step-recorder.js';

export { ScenarioRecorder } from './scenario-recorder.js';
export { StepRecorder } from './step-recorder.js';

/** Distinct error messages kept per shard; beyond this only counts grow, so memory stays bounded. */
const MAX_ERROR_SAMPLES = 50;
const MAX_MESSAGE_LENGTH = 200;

export interface HealthSample {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cpuPercent: number;
  rssMb?: number;
}

export class ShardRecorder implements ShardSink {
  readonly interval = new IntervalAccumulator();
  private readonly steps = new Map<string, StepRecorder>();
  private readonly scenarios = new Map<string, ScenarioRecorder>();
  private readonly intervals: IntervalSnapshot[] = [];
  private readonly errorSamples = new Map<string, ErrorSample>();
  private startedAtMs = Date.now();
  private startedAtPerfMs = performance.now();
  /** When load ended (endLoad): elapsed stops there, so polls and teardown after it do not stretch rates. */
  private endedAtPerfMs: number | undefined;
  private done = false;
  /** Removes the run's secret values from error messages before they are kept (see secret-redactor.ts). */
  redact: (text: string) => string = (text) => text;

  constructor(
    readonly shardIndex: number,
    readonly shardTotal: number,
    private readonly processInfo: Omit<ShardSnapshot['process'], 'key'>,
  ) {}

  /** Resets the clock; called once when load starts (after setup and any synchronized-start wait). */
  start(): void {
    this.startedAtMs = Date.now();
    this.startedAtPerfMs = performance.now();
    this.endedAtPerfMs = undefined;
  }

  /** Load threads in this shard's process. */
  get threads(): number {
    return this.processInfo.threads;
  }

  /** Time since start(), up to the end of load once it ended. */
  elapsedMs(): number {
    return (this.endedAtPerfMs ?? performance.now()) - this.startedAtPerfMs;
  }

  /** Load ended now (first call wins): freezes elapsedMs and returns it. */
  endLoad(): number {
    this.endedAtPerfMs ??= performance.now();
    return this.elapsedMs();
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

  /**
   * Closes the next second of the series (labelled by its index, never by reading the clock: see
   * seconds.ts), or with `partialMs` the partial one load ended in. Called by one timer, not per request.
   */
  closeInterval(health: HealthSample, partialMs?: number): void {
    const i = this.interval;
    let vus = 0;
    for (const s of this.scenarios.values()) vus += s.activeVUs;
    this.intervals.push({
      second: this.intervals.length + 1,
      ...(partialMs !== undefined ? { lengthMs: round2(partialMs) } : {}),
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

  /** The shard is done; if load's end was not marked (endLoad), it is now. */
  finish(): void {
    this.endLoad();
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

  /** The closed seconds from `from` on (cheap: no histogram is encoded). */
  intervalsSince(from: number): IntervalSnapshot[] {
    return this.intervals.slice(from);
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
