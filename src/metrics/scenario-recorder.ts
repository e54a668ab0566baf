/** Per-scenario iteration counts, VUs and histograms. */
import { createHistogram, encodeHistogram, type Histogram, recordUs } from './histogram.js';
import type { ShardSink } from './interval-accumulator.js';
import type { LoadModel, ScenarioSnapshot, SteppingStop } from './snapshot.js';

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
    private readonly shard: ShardSink,
  ) {
    this.scheduleLag = model === 'open' ? createHistogram() : undefined;
  }

  iterationDone(durationUs: number, failed: boolean): void {
    this.iterations++;
    if (failed) this.failedIterations++;
    this.shard.interval.iterations++;
    recordUs(this.iteration, durationUs);
  }

  dropped(count = 1): void {
    this.droppedIterations += count;
    this.shard.interval.dropped += count;
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
