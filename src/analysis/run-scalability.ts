/** The scalability part of summary.json for a run with load levels; undefined when it has none. */
import type { ScenarioPlan } from '../engine/executor.js';
import type { MergedRun } from '../metrics/merge.js';
import type { SteppingStop } from '../metrics/snapshot.js';
import type { CompiledThreshold } from '../metrics/thresholds.js';
import { computeLevels } from './levels.js';
import type { Scalability } from './model.js';
import { analyzeScalability } from './scalability.js';

export function scalabilityOf(
  run: MergedRun,
  plans: readonly ScenarioPlan[],
  thresholds: readonly CompiledThreshold[],
): Scalability | undefined {
  const stops = new Map<string, SteppingStop>();
  for (const s of run.scenarios) if (s.stepping) stops.set(s.name, s.stepping);
  const result = computeLevels({ intervals: run.intervals, plans, stops, thresholds });
  if (!result) return undefined;
  return analyzeScalability({
    levels: result.levels,
    stopConditions: result.stopConditions,
    ...(result.stop ? { stop: result.stop } : {}),
    ...(result.recoveryFromSecond !== undefined ? { recoveryFromSecond: result.recoveryFromSecond } : {}),
    recoverySeries: result.recoverySeries,
    method: result.method,
  });
}
