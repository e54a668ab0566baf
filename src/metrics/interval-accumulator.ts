/** The current one-second interval of a shard, and what a step or scenario recorder reports to its shard. */
import type { ErrorClass } from './error-class.js';
import { createIntervalHistogram } from './histogram.js';

export class IntervalAccumulator {
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

/** The shard as its step and scenario recorders see it: the open interval and the error-sample book. */
export interface ShardSink {
  readonly interval: IntervalAccumulator;
  noteError(errorClass: ErrorClass, scenario: string, step: string, message: string): void;
}
