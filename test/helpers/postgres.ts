/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, pg_ctl start on a free loopback port,
 * trust authentication, fsync off; stop() shuts it down and removes the dir. initdb refuses to run as root,
 * so as root the server runs as the `postgres` system user (runuser). Missing binaries fail the test with
 * the install command: these tests never skip.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_INSTALL_HINT = 'install them with: apt-get update && apt-get install -y postgresql';

export interface TestPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Runs SQL on a fresh connection and returns the rows. */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** Fast shutdown, keeping the data dir (to simulate a database that went down). */
  stopServer(): void;
  /** Shuts down and removes everything. */
  stop(): void;
}

/** The newest PostgreSQL server binaries installed by Debian's packages. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (!version) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found under ${root}/*/bin; ${PG_INSTALL_HINT}`,
    );
  }
  return join(root, version, 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function runAsOwner(bin: string, args: string[]): string {
  const asRoot = userInfo().uid === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export interface PostgresOptions {
  /** The address it listens on: loopback, or an address of this host the test made (the real node's bridge). */
  host?: string;
  /** Clients allowed in besides loopback, as a CIDR (the real node's pod network). */
  clients?: string;
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<TestPostgres> {
  const host = opts.host ?? '127.0.0.1';
  const bin = postgresBinDir();
  const asRoot = userInfo().uid === 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'stampede-pg-'));
  if (asRoot) {
    let ids: { uid: number; gid: number };
    try {
      ids = {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      };
    } catch {
      throw new Error(
        `running as root needs the "postgres" system user, which the package creates; ${PG_INSTALL_HINT}`,
      );
    }
    chownSync(dataDir, ids.uid, ids.gid);
  }
  const port = await freePort();
  const pgdata = join(dataDir, 'data');
  const log = join(dataDir, 'server.log');
  runAsOwner(join(bin, 'initdb'), [
    '-D',
    pgdata,
    '-U',
    'stampede',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  // initdb's pg_hba.conf trusts loopback only; pods come from their own network.
  if (opts.clients) appendFileSync(join(pgdata, 'pg_hba.conf'), `host all all ${opts.clients} trust\n`);
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    `-c listen_addresses='${host}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  try {
    runAsOwner(join(bin, 'pg_ctl'), ['-D', pgdata, '-o', options, '-l', log, '-w', '-t', '30', 'start']);
  } catch (error) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${text}`);
  }
  const url = `postgres://stampede@${host}:${port}/postgres`;
  let running = true;
  const stopServer = () => {
    if (!running) return;
    running = false;
    try {
      runAsOwner(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
  };
  return {
    url,
    port,
    dataDir,
    async query<T>(text: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows as T[];
      } finally {
        await client.end();
      }
    },
    stopServer,
    stop() {
      stopServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
