/**
 * The one histogram factory. Every latency in Stampede is an HDR histogram of microseconds with the same
 * range and precision, so any two histograms can be added without loss.
 */
import * as hdr from 'hdr-histogram-js';
import { type EncodableHdr, encodeV2CompressedBase64 } from './histogram-encode.js';

export type Histogram = hdr.Histogram;

/** 1 µs .. 1 hour at 3 significant digits: ±0.1% at any magnitude, which is below timer noise. */
export const LOWEST_US = 1;
export const HIGHEST_US = 3_600_000_000;
const SIGNIFICANT_DIGITS = 3;
/** Float64 counters cannot overflow in practice (2^53 samples per bucket); 32-bit ones could in a long soak. */
const BIT_BUCKET_SIZE = 64;

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: false,
  });
}

/**
 * The fields of hdr-histogram-js 3.x's typed-array histograms that recording touches. `recordValue` works
 * out the bucket with floating-point log2, pow and division and measured 60-250 ns a call (more for the
 * 2-digit interval histograms); the same index in integer arithmetic costs a few ns. Every value we record
 * is an integer below 2^32 (HIGHEST_US is 3.6e9), so `Math.clz32` gives floor(log2) exactly.
 */
interface TypedArrayHdr {
  _counts: Float64Array;
  _totalCount: number;
  subBucketHalfCountMagnitude: number;
  subBucketHalfCount: number;
  unitMagnitude: number;
  maxValue: number;
  minNonZeroValue: number;
  updatedMaxValue(value: number): void;
  updateMinNonZeroValue(value: number): void;
}

/** Whether the histogram has the internals above (checked once per histogram shape, see recordUs). */
function hasTypedArrayInternals(histogram: Histogram): boolean {
  const h = histogram as unknown as Partial<TypedArrayHdr>;
  return h._counts instanceof Float64Array && typeof h._totalCount === 'number';
}

/** Whether recording and encoding may use those internals (else hdr-histogram-js's own, slower methods). */
const typedInternals =
  hasTypedArrayInternals(createHistogram()) && hasTypedArrayInternals(createIntervalHistogram());

/** Records one sample, clamped into range: a 0 µs reply is recorded as 1 µs rather than dropped. */
export function recordUs(histogram: Histogram, us: number): void {
  const value = us < LOWEST_US ? LOWEST_US : us > HIGHEST_US ? HIGHEST_US : Math.round(us);
  if (!typedInternals) {
    histogram.recordValue(value);
    return;
  }
  // HdrHistogram's countsArrayIndex, in integers: bucket by the position of the top bit, then sub-bucket.
  const h = histogram as unknown as TypedArrayHdr;
  const unit = h.unitMagnitude;
  const magnitude = h.subBucketHalfCountMagnitude;
  const bucket = Math.max(31 - Math.clz32(value) - magnitude - unit, 0);
  const subBucket = value >>> (bucket + unit);
  const index = ((bucket + 1) << magnitude) + subBucket - h.subBucketHalfCount;
  h._counts[index] = (h._counts[index] as number) + 1;
  h._totalCount++;
  if (value > h.maxValue) h.updatedMaxValue(value);
  if (value < h.minNonZeroValue) h.updateMinNonZeroValue(value);
}

export function encodeHistogram(histogram: Histogram): string {
  return typedInternals
    ? encodeV2CompressedBase64(histogram as unknown as EncodableHdr)
    : hdr.encodeIntoCompressedBase64(histogram);
}

/** Whether `encoded` decodes as a histogram: checked before merging data that came over the network. */
export function isDecodableHistogram(encoded: string): boolean {
  try {
    hdr.decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false);
    return true;
  } catch {
    return false;
  }
}

export function decodeHistogram(encoded: string): Histogram {
  const histogram = createHistogram();
  addEncoded(histogram, encoded);
  return histogram;
}

/** Adds an encoded histogram into `target` (exact: HDR addition keeps every bucket count). */
export function addEncoded(target: Histogram, encoded: string): void {
  target.add(hdr.decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false));
}

/**
 * Per-second interval histograms use 2 significant digits (±1%): a run keeps one per second per shard,
 * and merging thousands of 3-digit histograms at the end of a long distributed run took seconds. The
 * run's own percentiles never come from these; only the time series does.
 */
export function createIntervalHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: false,
  });
}

/** Adds encoded histograms into one. Exact: HDR addition keeps every bucket count. */
export function mergeEncoded(encoded: readonly (string | undefined)[]): Histogram {
  const merged = createHistogram();
  for (const e of encoded) if (e) addEncoded(merged, e);
  return merged;
}

export interface LatencyStats {
  count: number;
  /** All in milliseconds for people; the histograms stay in microseconds. */
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  stddevMs: number;
}

const msOf = (us: number) => Math.round(us) / 1000;

/**
 * The histogram's mean and standard deviation, as hdr-histogram-js computes them (each bucket counted at
 * its median equivalent value, summed in bucket order, so the figures are identical) but in one pass over
 * the counts. Its `mean` and `stdDeviation` walk an iterator object per bucket, and `stdDeviation` works
 * out the mean again: ~30 ms of a run's summary went there.
 */
export function meanAndStdDeviation(histogram: Histogram): { mean: number; stdDeviation: number } {
  const h = histogram as unknown as hdr.JsHistogram;
  const total = h.totalCount;
  if (total === 0) return { mean: 0, stdDeviation: 0 };
  const last = h.countsArrayIndex(h.maxValue);
  let sum = 0;
  for (let i = 0; i <= last; i++) {
    const count = h.getCountAtIndex(i);
    if (count !== 0) sum += h.medianEquivalentValue(h.valueFromIndex(i)) * count;
  }
  const mean = sum / total;
  let squares = 0;
  for (let i = 0; i <= last; i++) {
    const count = h.getCountAtIndex(i);
    if (count === 0) continue;
    const deviation = h.medianEquivalentValue(h.valueFromIndex(i)) - mean;
    squares += deviation * deviation * count;
  }
  return { mean, stdDeviation: Math.sqrt(squares / total) };
}

export function latencyStats(histogram: Histogram): LatencyStats {
  const count = histogram.totalCount;
  if (count === 0) {
    return {
      count,
      minMs: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
      stddevMs: 0,
    };
  }
  const { mean, stdDeviation } = meanAndStdDeviation(histogram);
  return {
    count,
    minMs: msOf(histogram.minNonZeroValue),
    meanMs: msOf(mean),
    p50Ms: msOf(histogram.getValueAtPercentile(50)),
    p90Ms: msOf(histogram.getValueAtPercentile(90)),
    p95Ms: msOf(histogram.getValueAtPercentile(95)),
    p99Ms: msOf(histogram.getValueAtPercentile(99)),
    p999Ms: msOf(histogram.getValueAtPercentile(99.9)),
    // The bucket-consistent max: the same value whether or not the histogram went through a snapshot.
    maxMs: msOf(histogram.getValueAtPercentile(100)),
    stddevMs: msOf(stdDeviation),
  };
}
