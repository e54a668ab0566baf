/** Resolving a PostgreSQL URL at run time: render the inline template or read the urlFrom variable. */
import { PgUrlError, type PgUrlSource, pgUrlEnvName, redactPgUrl } from '../api/pg-url.js';
import { compileTemplate } from './template.js';

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
