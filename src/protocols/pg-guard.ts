/**
 * The connection policy for PostgreSQL. `pg` takes no `lookup`, and honours `?host=` and host lists over the
 * URL's host, so the hosts it would dial are worked out with pg's own parser and each is resolved and
 * checked before the client connects.
 */
import { parse } from 'pg-connection-string';
import type { ConnectGuard } from './connect-guard.js';
import { PolicyDeniedError } from './connection-policy.js';

/** Every host `pg` may dial for this URL: `?host=` wins over the URL's host; lists split; pg's defaults. */
export function pgHosts(url: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let host: string | undefined;
  try {
    host = parse(url).host ?? undefined;
  } catch {
    host = undefined;
  }
  const raw = host || env.PGHOST || 'localhost';
  return raw
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
}

/** Resolves and checks each host; throws PolicyDeniedError for the first one refused. */
export async function checkPgTarget(guard: ConnectGuard, url: string): Promise<void> {
  for (const host of pgHosts(url)) {
    if (host.startsWith('/'))
      throw new PolicyDeniedError(`${host}: a Unix socket is not a network target the policy can allow`);
    await guard.resolve(host);
  }
}
