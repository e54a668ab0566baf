/**
 * Where a PostgreSQL URL comes from. Inline `url` may use ${env.NAME} (spec.env and --env). `urlFrom`
 * names a Secret key: in a cluster the controller puts that value into the runner's environment as
 * STAMPEDE_PG_URL_<NAME> (NAME: the Secret name upper-cased, every character other than A-Z and 0-9 turned
 * into _), and locally you export the same variable. One Secret gives one URL, so validation rejects two
 * references to the same Secret with different keys.
 */
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
