/** The executor registry: type name -> executor. */
import type { ExecutorType } from '../../api/schema.js';
import type { Executor } from '../executor.js';
import { breakpoint } from './breakpoint.js';
import { constantArrivalRate } from './constant-arrival-rate.js';
import { constantVus } from './constant-vus.js';
import { perVuIterations } from './per-vu-iterations.js';
import { rampingArrivalRate } from './ramping-arrival-rate.js';
import { rampingVus } from './ramping-vus.js';
import { sharedIterations } from './shared-iterations.js';

export const EXECUTOR_REGISTRY: Record<ExecutorType, Executor> = {
  'constant-vus': constantVus,
  'ramping-vus': rampingVus,
  'constant-arrival-rate': constantArrivalRate,
  'ramping-arrival-rate': rampingArrivalRate,
  'per-vu-iterations': perVuIterations,
  'shared-iterations': sharedIterations,
  breakpoint,
};
