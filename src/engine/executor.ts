/**
 * The executor interface. Each executor lives in its own file and has a pure `plan` (this shard's share,
 * duration and VU needs) and a `run` that drives iterations through a ScenarioRuntime.
 */
import { durationUs } from '../api/duration.js';
import type { ExecutorType, Scenario } from '../api/schema.js';
import type { Problem } from '../api/schema-check.js';
import type { LoadModel } from '../metrics/snapshot.js';
import type { ScenarioRuntime } from './scenario-runtime.js';
import type { Shard } from './shard.js';

export interface ScenarioPlan {
  scenario: string;
  executor: ExecutorType;
  model: LoadModel;
  shard: Shard;
  spec: Scenario;
  /** Offset of the scenario's start from the test start. */
  startOffsetUs: number;
  /** How long the executor starts new iterations at most (duration, stages or maxDuration). */
  durationUs: number;
  /** After that, how long running iterations may finish before they are interrupted. */
  gracefulStopUs: number;
  /** VUs this shard may allocate for this scenario. */
  maxVUs: number;
  /** VUs this shard runs the moment the scenario starts (pre-allocated, first target or level); ≤ maxVUs. */
  vusAtStart: number;
  /** One line for people, e.g. "50 VUs for 30s". */
  describe: string;
}

export type ScenarioField = keyof Scenario;

export interface Executor {
  readonly type: ExecutorType;
  readonly model: LoadModel;
  /** Fields this executor needs, and fields it accepts besides the common ones. */
  readonly required: readonly ScenarioField[];
  readonly optional: readonly ScenarioField[];
  /** Checks beyond required/optional fields; paths are relative to the scenario. */
  validate(spec: Scenario): Problem[];
  plan(name: string, spec: Scenario, shard: Shard): ScenarioPlan;
  run(plan: ScenarioPlan, rt: ScenarioRuntime): Promise<void>;
}

export const COMMON_FIELDS: readonly ScenarioField[] = [
  'executor',
  'startTime',
  'gracefulStop',
  'lifecycle',
  'flow',
];

export const DEFAULT_GRACEFUL_STOP = '5s';
/** As in k6: how long an iteration of a VU that a lowered target ramps down may run on. */
export const DEFAULT_GRACEFUL_RAMP_DOWN = '30s';
export const DEFAULT_MAX_DURATION = '10m';
export { DEFAULT_TIME_UNIT } from '../api/duration.js';

export function basePlan(
  name: string,
  spec: Scenario,
  shard: Shard,
  fields: Pick<ScenarioPlan, 'executor' | 'model' | 'durationUs' | 'maxVUs' | 'vusAtStart' | 'describe'>,
): ScenarioPlan {
  return {
    scenario: name,
    shard,
    spec,
    startOffsetUs: spec.startTime ? durationUs(spec.startTime) : 0,
    gracefulStopUs: durationUs(spec.gracefulStop ?? DEFAULT_GRACEFUL_STOP),
    ...fields,
  };
}

/** Total length of a list of stages. */
export function stagesDurationUs(stages: readonly { duration: string }[]): number {
  return stages.reduce((sum, s) => sum + durationUs(s.duration), 0);
}

/** A closed-model scenario's ramp-down grace in ms (ramping-vus, breakpoint with VU levels). */
export function gracefulRampDownMs(spec: Pick<Scenario, 'gracefulRampDown'>): number {
  return durationUs(spec.gracefulRampDown ?? DEFAULT_GRACEFUL_RAMP_DOWN) / 1000;
}
