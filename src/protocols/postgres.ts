/**
 * PostgreSQL over `pg` clients in a small pool of our own, so the wait for a connection is measured apart
 * from the query: acquire() is the pool wait, run() the query. Waiters are served first come, first served;
 * a wait longer than the connect timeout fails, found by one coarse sweep timer rather than a timer per wait.
 * Statements with parameters are prepared once per connection (named), as a real application's driver does.
 */
import type pg from 'pg';
import { redactPgUrl } from '../api/pg-url.js';
import { classifySqlState, type ErrorClass, isResponseTimeout } from '../metrics/error-class.js';
import type { ConnectGuard } from './connect-guard.js';
import { lazyPackage } from './lazy-package.js';
import { checkPgTarget } from './pg-guard.js';

const pgPackage = lazyPackage<typeof pg>('pg');

export interface PgPoolOptions {
  /** Connections this pool may open. */
  size: number;
  connectTimeoutMs: number;
  /** Sent as the session's statement_timeout; the server cancels longer statements (SQLSTATE 57014). */
  statementTimeoutMs: number;
  /** The connection policy, checked before every connect; none: connect anywhere. */
  guard?: ConnectGuard;
}

/** Connects `client` once the policy (if any) allows every host the URL may dial. */
async function connectChecked(
  client: pg.Client,
  url: string,
  guard: ConnectGuard | undefined,
): Promise<void> {
  if (guard) await checkPgTarget(guard, url);
  await client.connect();
}

/** A statement compiled once per step: text, an optional prepared-statement name, how to count rows. */
export interface PgStatement {
  text: string;
  /** Named (prepared) when it has parameters; unnamed statements use the simple protocol. */
  name: string | undefined;
}

/** How often overdue pool waiters are failed. Pool timeouts are seconds long; 1/20 s precision is plenty. */
const SWEEP_INTERVAL_MS = 50;

export class PgError extends Error {
  constructor(
    message: string,
    readonly errorClass: ErrorClass,
    /** The connection is unusable afterwards. */
    readonly broken: boolean,
    /** The server cancelled the statement at statement_timeout: the caller waited it in full. */
    readonly timedOut = false,
  ) {
    super(message);
  }
  readonly code = 'PG_QUERY';
}

/** Turns whatever pg threw into a PgError with its SQLSTATE class and a message for the report. */
export function toPgError(error: unknown, url: string, prefix = ''): PgError {
  if (error instanceof PgError)
    return prefix
      ? new PgError(prefix + error.message, error.errorClass, error.broken, error.timedOut)
      : error;
  const e = error as Error & { code?: string };
  if (e.code === 'EPOLICY_DENIED')
    return new PgError(`${prefix}${redactPgUrl(url)}: ${e.message}`, 'policy_denied', true);
  const errorClass = classifySqlState(e.code);
  const connect = errorClass === 'pg_connect';
  const text = e.message || e.code || String(error);
  const message = connect
    ? `${prefix}connection to ${redactPgUrl(url)} failed: ${text}`
    : `${prefix}${e.code} ${text}`;
  return new PgError(message, errorClass, connect, isResponseTimeout(e));
}

interface Waiter {
  resolve(client: pg.Client): void;
  reject(error: PgError): void;
  sinceMs: number;
}

const preparedNames = new Map<string, string>();

/** One prepared-statement name per distinct SQL text in this thread, so no two texts share a name. */
export function compileStatement(text: string, hasParams: boolean): PgStatement {
  if (!hasParams) return { text, name: undefined };
  let name = preparedNames.get(text);
  if (!name) {
    name = `stampede_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return { text, name };
}

export class PgPool {
  private readonly idle: pg.Client[] = [];
  private readonly waiters: Waiter[] = [];
  private waitersHead = 0;
  /** Connections open or opening. */
  private opened = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly all = new Set<pg.Client>();

  constructor(
    readonly url: string,
    private readonly options: PgPoolOptions,
  ) {}

  /** Resolves with a connection: from the idle list, a new one, or the next one released. */
  acquire(): Promise<pg.Client> {
    const client = this.idle.pop();
    if (client) return Promise.resolve(client);
    if (this.closed) return Promise.reject(new PgError('the pool is closed', 'pg_connect', false));
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, sinceMs: performance.now() });
      if (this.opened < this.options.size) this.open();
      if (!this.sweeper) {
        this.sweeper = setInterval(sweep, SWEEP_INTERVAL_MS, this);
        this.sweeper.unref();
      }
    });
  }

  /** Returns a connection; a broken one is closed and replaced if anyone is waiting. */
  release(client: pg.Client, broken: boolean): void {
    if (broken || this.closed) {
      this.drop(client);
      if (!this.closed && this.hasWaiters() && this.opened < this.options.size) this.open();
      return;
    }
    const waiter = this.nextWaiter();
    if (waiter) waiter.resolve(client);
    else this.idle.push(client);
  }

  async end(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (let w = this.nextWaiter(); w; w = this.nextWaiter())
      w.reject(new PgError('the pool is closed', 'pg_connect', false));
    this.idle.length = 0;
    await Promise.all([...this.all].map((c) => c.end().catch(() => undefined)));
    this.all.clear();
  }

  /** Fails waiters that have waited longer than the connect timeout. */
  sweepOverdue(): void {
    const deadline = performance.now() - this.options.connectTimeoutMs;
    while (this.waitersHead < this.waiters.length) {
      const w = this.waiters[this.waitersHead] as Waiter;
      if (w.sinceMs > deadline) break;
      this.nextWaiter();
      w.reject(
        new PgError(
          `no connection to ${redactPgUrl(this.url)} within ${this.options.connectTimeoutMs}ms (pool of ${this.options.size}, ${this.opened} open)`,
          'pg_connect',
          false,
        ),
      );
    }
    if (!this.hasWaiters() && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private hasWaiters(): boolean {
    return this.waitersHead < this.waiters.length;
  }

  private nextWaiter(): Waiter | undefined {
    if (this.waitersHead >= this.waiters.length) return undefined;
    const w = this.waiters[this.waitersHead] as Waiter;
    this.waiters[this.waitersHead++] = undefined as unknown as Waiter;
    if (this.waitersHead === this.waiters.length) this.waiters.length = this.waitersHead = 0;
    return w;
  }

  private open(): void {
    this.opened++;
    const client = new (pgPackage().Client)({
      connectionString: this.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
    });
    this.all.add(client);
    // An idle connection the server drops must not crash the process; it is replaced on next use.
    client.on('error', () => this.dropIdle(client));
    connectChecked(client, this.url, this.options.guard).then(
      () => {
        if (this.closed) {
          this.drop(client);
          return;
        }
        this.release(client, false);
      },
      (error: unknown) => {
        this.drop(client);
        // Fail one waiter per failed attempt: with the server down every query fails fast and clearly.
        this.nextWaiter()?.reject(toPgError(error, this.url));
        if (this.hasWaiters() && this.opened < this.options.size) this.open();
      },
    );
  }

  private dropIdle(client: pg.Client): void {
    const i = this.idle.indexOf(client);
    if (i >= 0) {
      this.idle.splice(i, 1);
      this.drop(client);
    }
  }

  private drop(client: pg.Client): void {
    if (!this.all.delete(client)) return;
    this.opened--;
    client.end().catch(() => undefined);
  }
}

function sweep(pool: PgPool): void {
  pool.sweepOverdue();
}

/** Runs one statement; resolves with the number of rows returned. */
export async function runStatement(
  client: pg.Client,
  statement: PgStatement,
  values: unknown[] | undefined,
): Promise<number> {
  // Rows as arrays: they are only counted, and arrays are cheaper to build than objects.
  const result = (await client.query({
    text: statement.text,
    ...(statement.name ? { name: statement.name } : {}),
    ...(values ? { values } : {}),
    rowMode: 'array',
  })) as pg.QueryResult | pg.QueryResult[];
  if (Array.isArray(result)) return result.reduce((n, r) => n + (r.rows?.length ?? 0), 0);
  return result.rows?.length ?? 0;
}

/** The pools of one shard, one per database URL. */
export class PgPools {
  private readonly pools = new Map<string, PgPool>();

  constructor(private readonly options: PgPoolOptions) {}

  forUrl(url: string): PgPool {
    let pool = this.pools.get(url);
    if (!pool) {
      pool = new PgPool(url, this.options);
      this.pools.set(url, pool);
    }
    return pool;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }
}

/** Setup and teardown: each statement in order on one connection; the first failure stops the script. */
export async function runSqlScript(
  url: string,
  statements: readonly string[],
  options: Omit<PgPoolOptions, 'size'>,
): Promise<void> {
  const client = new (pgPackage().Client)({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await connectChecked(client, url, options.guard);
  } catch (error) {
    throw toPgError(error, url);
  }
  try {
    for (const [i, text] of statements.entries()) {
      try {
        await client.query(text);
      } catch (error) {
        const head = text.length > 60 ? `${text.slice(0, 60)}...` : text;
        throw toPgError(error, url, `statement ${i + 1} (${head.replace(/\s+/g, ' ')}): `);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
