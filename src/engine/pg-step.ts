/**
 * Compiles one declarative PostgreSQL step: a query, or a transaction of statements in BEGIN ... COMMIT
 * (ROLLBACK on the first error). Parameters are templates compiled once; the SQL text is never templated.
 *
 * Timing: pool wait (asking for a connection until holding one) and query time (on the connection) are
 * recorded apart; the step's latency is their sum, counted from the scheduled start in open models.
 * SQL errors are counted by SQLSTATE class and the flow goes on; a connection failure ends the iteration.
 * A statement cancelled at statementTimeout is timed too (the caller waited it in full); other errors are not.
 */
import { PgUrlError } from '../api/pg-url.js';
import type { PgStatementSpec, Step } from '../api/schema.js';
import type { StepRecorder } from '../metrics/recorder.js';
import {
  compileStatement,
  type PgError,
  type PgPool,
  type PgStatement,
  runStatement,
  toPgError,
} from '../protocols/postgres.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { type CompiledTemplate, compileTemplate, type TemplateContext } from './template.js';
import type { IterationState } from './vu.js';

interface CompiledStatement {
  statement: PgStatement;
  params: CompiledTemplate[] | undefined;
}

const BEGIN = compileStatement('BEGIN', false);
const COMMIT = compileStatement('COMMIT', false);
const ROLLBACK = compileStatement('ROLLBACK', false);

function compileOne(spec: PgStatementSpec): CompiledStatement {
  const params = spec.params?.map((p) => compileTemplate(p));
  return { statement: compileStatement(spec.query, params !== undefined), params };
}

/** One expression keeps its type (a number stays a number); anything else renders as text. */
function values(params: CompiledTemplate[] | undefined, ctx: TemplateContext): unknown[] | undefined {
  if (!params) return undefined;
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const t = params[i] as CompiledTemplate;
    out[i] = t.isStatic ? t.source : t.value(ctx);
  }
  return out;
}

export function compilePgStep(step: Step, name: string, env: FlowEnv): StepRunner {
  const spec = step.pg as NonNullable<Step['pg']>;
  const recorder = env.recorder(name, 'pg');
  let pool: PgPool;
  try {
    pool = env.pgPool(spec);
  } catch (error) {
    if (!(error instanceof PgUrlError)) throw error;
    // No URL in this process (e.g. an unset STAMPEDE_PG_URL_<NAME>): every run says so, clearly.
    const message = error.message;
    return async (_vu, it) => {
      recorder.pgFailed('pg_connect', message, undefined);
      it.failed = it.aborted = true;
    };
  }
  const statements = spec.transaction
    ? spec.transaction.map(compileOne)
    : [compileOne({ query: spec.query as string, ...(spec.params ? { params: spec.params } : {}) })];
  const transaction = spec.transaction !== undefined;
  return async (vu, it) => {
    const scheduledAtMs = it.scheduledAtMs;
    it.scheduledAtMs = undefined;
    const askedAtMs = performance.now();
    let client: Awaited<ReturnType<PgPool['acquire']>>;
    try {
      client = await pool.acquire();
    } catch (error) {
      if (env.isHardStopped()) {
        it.aborted = true;
        return;
      }
      const e = toPgError(error, pool.url);
      recorder.pgFailed(e.errorClass, e.message, undefined);
      it.failed = it.aborted = true;
      return;
    }
    const gotAtMs = performance.now();
    let rows = 0;
    let failure: PgError | undefined;
    let index = 0;
    try {
      if (transaction) await runStatement(client, BEGIN, undefined);
      for (; index < statements.length; index++) {
        const s = statements[index] as CompiledStatement;
        rows += await runStatement(client, s.statement, values(s.params, vu.ctx));
      }
      if (transaction) await runStatement(client, COMMIT, undefined);
    } catch (error) {
      failure = toPgError(error, pool.url, transaction ? `statement ${index + 1}: ` : '');
      if (transaction && !failure.broken)
        await runStatement(client, ROLLBACK, undefined).catch(() => undefined);
    }
    const doneAtMs = performance.now();
    pool.release(client, failure?.broken ?? false);
    if (env.isHardStopped()) {
      it.aborted = true;
      return;
    }
    const latencyUs = (doneAtMs - (scheduledAtMs ?? askedAtMs)) * 1000;
    record(recorder, it, failure, rows, latencyUs, (gotAtMs - askedAtMs) * 1000, (doneAtMs - gotAtMs) * 1000);
  };
}

/**
 * Records one run that held a connection; `latencyUs` runs from the scheduled start (open models) or the ask
 * for a connection. A statement cancelled at statement_timeout was waited in full, so it is timed as a query
 * is (and is still a failure); other failures have no latency.
 */
function record(
  recorder: StepRecorder,
  it: IterationState,
  failure: PgError | undefined,
  rows: number,
  latencyUs: number,
  poolWaitUs: number,
  queryUs: number,
): void {
  if (!failure) {
    recorder.pgQuery(latencyUs, poolWaitUs, queryUs, rows);
    return;
  }
  it.failed = true;
  if (failure.timedOut)
    recorder.pgTimedOut(latencyUs, poolWaitUs, queryUs, failure.errorClass, failure.message);
  else {
    recorder.pgFailed(failure.errorClass, failure.message, poolWaitUs);
    if (failure.broken) it.aborted = true;
  }
}
