/** Think time between steps: constant, uniform or Poisson (exponential gaps). */

import { durationUs } from '../api/duration.js';
import type { ThinkSpec } from '../api/schema.js';

export type ThinkSampler = () => number;

/** Returns a function that draws one pause in milliseconds. */
export function compileThink(spec: ThinkSpec): ThinkSampler {
  if (spec.constant) {
    const ms = durationUs(spec.constant) / 1000;
    return () => ms;
  }
  if (spec.uniform) {
    const min = durationUs(spec.uniform.min) / 1000;
    const span = durationUs(spec.uniform.max) / 1000 - min;
    return () => min + Math.random() * span;
  }
  if (spec.poisson) {
    const mean = durationUs(spec.poisson.mean) / 1000;
    // Inter-arrival gaps of a Poisson process are exponential with the given mean.
    return () => -Math.log(1 - Math.random()) * mean;
  }
  return () => 0;
}
