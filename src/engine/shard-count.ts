/**
 * How many shards (runners in a cluster, worker threads locally) a LoadTest's open-model scenarios can be
 * split over without losing load. Shard i of n owns the global iterations k with k mod n == i and runs them
 * on its share of maxVUs (src/engine/shard.ts); a shard whose share is 0 could start none of them and would
 * count every one as dropped. Every share of v is at least 1 exactly when v >= n, so an open-model scenario
 * takes at most maxVUs shards (preAllocatedVUs when maxVUs is absent). Closed models have no such limit:
 * a shard with no VUs of constant-vus, per-vu-iterations or shared-iterations owns no load (shared-iterations
 * splits its pool in proportion to VUs). Pure: scenarios and counts in, limits and problems out.
 */
import type { Scenario } from '../api/schema.js';
import { joinPath, type Problem } from '../api/schema-check.js';
import { EXECUTOR_REGISTRY } from './executors/index.js';

/** The open-model scenario that allows the fewest shards: its VU field and how many VUs that is. */
export interface ShardLimit {
  scenario: string;
  field: 'maxVUs' | 'preAllocatedVUs';
  vus: number;
}

/** The VU pool an open-model scenario splits over its shards, with its field; undefined for a closed model. */
export function openModelVUs(scenario: Scenario): Pick<ShardLimit, 'field' | 'vus'> | undefined {
  // Breakpoint is closed by type, open with rate levels (its plan's model says so too).
  const open = EXECUTOR_REGISTRY[scenario.executor].model === 'open' || scenario.levels?.unit === 'rate';
  if (!open) return undefined;
  if (scenario.maxVUs !== undefined) return { field: 'maxVUs', vus: scenario.maxVUs };
  if (scenario.preAllocatedVUs !== undefined)
    return { field: 'preAllocatedVUs', vus: scenario.preAllocatedVUs };
  return undefined;
}

/** Where a limit's VUs are set: `spec.scenarios.NAME.maxVUs`. */
export function limitPath(limit: ShardLimit): string {
  return joinPath(joinPath('spec.scenarios', limit.scenario), limit.field);
}

/** Every open-model scenario's limit, in spec order. */
function limits(scenarios: Record<string, Scenario>): ShardLimit[] {
  return Object.entries(scenarios).flatMap(([scenario, spec]) => {
    const pool = openModelVUs(spec);
    return pool ? [{ scenario, ...pool }] : [];
  });
}

/** The most shards the LoadTest can run on without a shard that must drop its iterations, or undefined: any. */
export function shardLimit(scenarios: Record<string, Scenario>): ShardLimit | undefined {
  let smallest: ShardLimit | undefined;
  for (const limit of limits(scenarios)) if (!smallest || limit.vus < smallest.vus) smallest = limit;
  return smallest;
}

/** Who chose the shard count, as messages name it. */
export interface ShardCountSource {
  /** What shards are called: `runners` or `workers`. */
  noun: string;
  /** What one shard is called: `runner` or `worker`. */
  one: string;
  /** What sets the count: `spec.runners` or `--workers`. */
  setting: string;
}

export const RUNNERS: ShardCountSource = { noun: 'runners', one: 'runner', setting: 'spec.runners' };
export const WORKERS: ShardCountSource = { noun: 'workers', one: 'worker', setting: '--workers' };

/**
 * The message of a refused count, with placeholders {vus} and {shards}: filled in with numbers here, written
 * as CEL around them for the CRD (src/manifest/shard-count-rule.ts), so both say the same.
 */
export function shardCountTemplate(source: ShardCountSource): string {
  return (
    `{vus} VUs cannot be split over {shards} ${source.noun}; give at least {shards} or lower ` +
    `${source.setting} (a ${source.one} with no VU of an open-model scenario drops every iteration it owns)`
  );
}

/** A shard count the user chose: one problem per open-model scenario with fewer VUs than shards. */
export function shardCountProblems(
  scenarios: Record<string, Scenario>,
  shards: number,
  source: ShardCountSource,
): Problem[] {
  const template = shardCountTemplate(source);
  return limits(scenarios)
    .filter((limit) => limit.vus < shards)
    .map((limit) => ({
      path: limitPath(limit),
      message: template.replaceAll('{vus}', String(limit.vus)).replaceAll('{shards}', String(shards)),
    }));
}

/** Refused problems as one message: what cannot run on how many shards, then a line per scenario. */
export function shardCountRefusal(
  what: string,
  shards: number,
  source: ShardCountSource,
  problems: readonly Problem[],
): string {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  return `${what} cannot run on ${shards} ${source.noun}:\n${lines}`;
}

/** A shard count chosen automatically: the wanted count, lowered to what every open-model scenario allows. */
export function autoShardCount(
  wanted: number,
  scenarios: Record<string, Scenario>,
): { shards: number; limitedBy?: ShardLimit } {
  const limit = shardLimit(scenarios);
  const shards = Math.max(1, wanted);
  if (!limit || limit.vus >= shards) return { shards };
  return { shards: Math.max(1, limit.vus), limitedBy: limit };
}
