/** What the steps of one controller decision share: the context of the decision and the runners as observed. */
import type { planShard } from '../engine/shard-plan.js';
import type { MergedRun } from '../metrics/merge.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { compileThresholds } from '../metrics/thresholds.js';
import type { RunOutcome, Summary } from '../report/summary.js';
import type { Action, ControllerSettings, Observed } from './model.js';
import type { runnerCounts, runnerPhase } from './status-parts.js';

/** What every step of one decision reads: the observed world, the settings and the clock. */
export interface Context {
  observed: Observed;
  settings: ControllerSettings;
  lt: Observed['loadTest'];
  nowMs: number;
  now: Date;
  generation: number;
  previous: NonNullable<Observed['loadTest']['status']>;
  desired: number;
  actions: Action[];
}

/** The runners as observed: each one's phase, the shared start, and the merged results so far. */
export interface Runners {
  startAt: number | undefined;
  phases: ReturnType<typeof runnerPhase>[];
  counts: ReturnType<typeof runnerCounts>;
  started: boolean;
  plans: ReturnType<typeof planShard>;
  thresholds: ReturnType<typeof compileThresholds>;
  snapshots: ShardSnapshot[];
  summarize(outcome: RunOutcome, detail: string | undefined, run?: MergedRun): Summary;
}

export const indexesIn = (phases: readonly string[], ...wanted: string[]) =>
  phases.flatMap((p, i) => (wanted.includes(p) ? [i] : []));
