/**
 * Cross-field bounds on a scenario's load: a rate is at most MAX_RATE_PER_SECOND iterations per second once
 * divided by its timeUnit, and stages add up to more than zero, so no manifest asks for more than a
 * scheduler can honour or silently runs nothing. Pure: a scenario in, problems out.
 */
import { DEFAULT_TIME_UNIT, durationUs, MAX_RATE_PER_SECOND } from './duration.js';
import type { Scenario } from './schema.js';
import type { Problem } from './schema-check.js';

const ARRIVAL_EXECUTORS = new Set(['constant-arrival-rate', 'ramping-arrival-rate']);

/** The fields of a scenario that hold a rate per timeUnit, with their paths. */
function rateFields(scenario: Scenario): [string, number][] {
  const fields: [string, number][] = [];
  if (scenario.rate !== undefined) fields.push(['rate', scenario.rate]);
  if (scenario.startRate !== undefined) fields.push(['startRate', scenario.startRate]);
  if (ARRIVAL_EXECUTORS.has(scenario.executor))
    scenario.stages?.forEach((s, i) => fields.push([`stages[${i}].target`, s.target]));
  if (scenario.levels?.unit === 'rate') {
    fields.push(['levels.max', scenario.levels.max]);
    if (scenario.recovery?.load !== undefined) fields.push(['recovery.load', scenario.recovery.load]);
  }
  return fields;
}

export function loadBoundProblems(scenario: Scenario, base: string): Problem[] {
  const problems: Problem[] = [];
  const timeUnitUs = durationUs(scenario.timeUnit ?? DEFAULT_TIME_UNIT);
  for (const [field, value] of rateFields(scenario)) {
    const perSecond = (value * 1_000_000) / timeUnitUs;
    if (timeUnitUs > 0 && perSecond > MAX_RATE_PER_SECOND) {
      problems.push({
        path: `${base}.${field}`,
        message: `${value} per ${scenario.timeUnit ?? DEFAULT_TIME_UNIT} is ${perSecond.toExponential(2)} iterations/s; at most ${MAX_RATE_PER_SECOND.toLocaleString('en-US')}/s is allowed`,
      });
    }
  }
  if (scenario.stages?.length && scenario.stages.every((s) => durationUs(s.duration) === 0)) {
    problems.push({ path: `${base}.stages`, message: 'the stages last 0s in total; nothing would run' });
  }
  return problems;
}
