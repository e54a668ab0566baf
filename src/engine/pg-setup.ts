/**
 * spec.postgres defaults, and its setup and teardown scripts. Locally the coordinator runs the scripts once
 * around the whole run; in a cluster shard 0's runner does (ShardRunner.prepare and the end of run).
 */
import { durationUs } from '../api/duration.js';
import type { PgUrlSource } from '../api/pg-url.js';
import type { LoadTest, PostgresSpec, Step } from '../api/schema.js';
import { type PgPoolOptions, runSqlScript } from '../protocols/postgres.js';
import { resolvePgUrl } from './pg-url.js';

/** Connections per database URL for the whole test when spec.postgres.pool is not set (pg's own default). */
export const DEFAULT_PG_POOL = 10;
export const DEFAULT_PG_CONNECT_TIMEOUT = '10s';
export const DEFAULT_PG_STATEMENT_TIMEOUT = '30s';

export function pgPoolOptions(spec: PostgresSpec | undefined): PgPoolOptions {
  return {
    size: spec?.pool ?? DEFAULT_PG_POOL,
    connectTimeoutMs: durationUs(spec?.connectTimeout ?? DEFAULT_PG_CONNECT_TIMEOUT) / 1000,
    statementTimeoutMs: durationUs(spec?.statementTimeout ?? DEFAULT_PG_STATEMENT_TIMEOUT) / 1000,
  };
}

export class PgScriptError extends Error {
  readonly code = 'PG_SCRIPT';
}

/** Runs spec.postgres.setup or .teardown, if any. Throws PgScriptError naming the script and statement. */
export async function runPostgresScript(
  spec: PostgresSpec | undefined,
  which: 'setup' | 'teardown',
  env: Record<string, string>,
): Promise<void> {
  const statements = spec?.[which];
  if (!spec || !statements?.length) return;
  try {
    await runSqlScript(resolvePgUrl(undefined, spec, env), statements, pgPoolOptions(spec));
  } catch (error) {
    throw new PgScriptError(`spec.postgres.${which} failed: ${(error as Error).message}`);
  }
}

/** The first database URL of the manifest that cannot be resolved here, as a message; undefined if none. */
export function unresolvedPgUrl(loadTest: LoadTest, env: Record<string, string>): string | undefined {
  const postgres = loadTest.spec.postgres;
  const check = (source: PgUrlSource | undefined, path: string): string | undefined => {
    try {
      resolvePgUrl(source, postgres, env);
      return undefined;
    } catch (error) {
      return `${path}: ${(error as Error).message}`;
    }
  };
  if (postgres?.setup?.length || postgres?.teardown?.length) {
    const problem = check(undefined, 'spec.postgres');
    if (problem) return problem;
  }
  const walk = (steps: Step[], base: string): string | undefined => {
    for (const [i, step] of steps.entries()) {
      const path = `${base}[${i}]`;
      const problem =
        (step.pg && check(step.pg, `${path}.pg`)) ||
        (step.steps && walk(step.steps, `${path}.steps`)) ||
        step.choice?.map((c, k) => walk(c.steps, `${path}.choice[${k}].steps`)).find(Boolean);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const [name, scenario] of Object.entries(loadTest.spec.scenarios)) {
    const problem = walk(scenario.flow, `spec.scenarios.${name}.flow`);
    if (problem) return problem;
  }
  return undefined;
}
