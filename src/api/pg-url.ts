/**
 * Where a PostgreSQL URL comes from. Inline `url` may use ${env.NAME} (spec.env and --env). `urlFrom`
 * names a Secret key: in a cluster the controller puts that value into the runner's environment as
 * STAMPEDE_PG_URL_<NAME> (NAME: the Secret name upper-cased, every character other than A-Z and 0-9 turned
 * into _), and locally you export the same variable. One Secret gives one URL, so validation rejects two
 * references to the same Secret with different keys.
 */
import { compileTemplate } from '../engine/template.js';
import type { SecretKeyRefSpec } from './schema.js';

export interface PgUrlSource {
  url?: string;
  urlFrom?: SecretKeyRefSpec;
}

export class PgUrlError extends Error {
  readonly code = 'PG_URL';
}

/** The environment variable that carries the URL of a `urlFrom` Secret reference. */
export function pgUrlEnvName(ref: SecretKeyRefSpec): string {
  return `STAMPEDE_PG_URL_${ref.secretKeyRef.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The URL a step uses: its own url/urlFrom, else spec.postgres's. Throws PgUrlError with what to set when
 * there is none or it does not render to a postgres:// URL.
 */
export function resolvePgUrl(
  step: PgUrlSource | undefined,
  spec: PgUrlSource | undefined,
  env: Record<string, string>,
  processEnv: NodeJS.ProcessEnv = process.env,
): string {
  const source = step?.url !== undefined || step?.urlFrom !== undefined ? step : spec;
  let url: string | undefined;
  if (source?.url !== undefined) {
    url = compileTemplate(source.url).render({ vu: 0, iteration: 0, scenario: '', env, vars: {}, data: {} });
    if (!url) throw new PgUrlError(`the database URL ${source.url} renders empty; set it with --env`);
  } else if (source?.urlFrom) {
    const name = pgUrlEnvName(source.urlFrom);
    url = processEnv[name];
    if (!url) {
      const { name: secret, key } = source.urlFrom.secretKeyRef;
      throw new PgUrlError(
        `urlFrom secret ${secret}/${key}: environment variable ${name} is not set (in a cluster the controller sets it from the Secret; locally export it)`,
      );
    }
  } else {
    throw new PgUrlError('no database URL: set url or urlFrom on the step or in spec.postgres');
  }
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new PgUrlError(`the database URL ${redactPgUrl(url)} is not a postgres:// or postgresql:// URL`);
  return url;
}

/** A URL for messages: user, host, port and database, never the password. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
