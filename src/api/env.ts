/**
 * The values of spec.env for one process. Plain values are used as written; a `valueFrom.secretKeyRef`
 * value comes, in a runner pod, from STAMPEDE_ENV_<NAME> (the controller fills it from the Secret) and,
 * locally, from the variable NAME in the environment. `--env` overrides either. The secret values are
 * returned too, so every output of the run can redact them.
 */
import type { EnvValueSpec, SecretKeyRefSpec } from './schema.js';
import { joinPath, type Problem } from './schema-check.js';

export interface ResolvedEnv {
  env: Record<string, string>;
  /** Values that came from Secrets (or stand in for them): to be redacted in every output. */
  secrets: string[];
  problems: Problem[];
}

/** The runner pod's variable for spec.env NAME kept in a Secret. */
export function secretEnvVar(name: string): string {
  return `STAMPEDE_ENV_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Every spec.env entry that names a Secret, with its runner variable. */
export function envSecretRefs(
  specEnv: Record<string, EnvValueSpec> | undefined,
): { name: string; variable: string; ref: SecretKeyRefSpec }[] {
  return Object.entries(specEnv ?? {}).flatMap(([name, value]) =>
    typeof value === 'string' ? [] : [{ name, variable: secretEnvVar(name), ref: value.valueFrom }],
  );
}

export function resolveSpecEnv(
  specEnv: Record<string, EnvValueSpec> | undefined,
  overrides: Record<string, string>,
  source: Record<string, string | undefined>,
  where: 'local' | 'cluster',
): ResolvedEnv {
  // Variable names are the user's (constructor, toString...): only own entries count, never inherited ones.
  const own = (o: Record<string, string | undefined>, name: string) =>
    Object.hasOwn(o, name) ? o[name] : undefined;
  const env: Record<string, string> = Object.create(null);
  const secrets: string[] = [];
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(specEnv ?? {})) {
    if (typeof value === 'string') {
      env[name] = own(overrides, name) ?? value;
      continue;
    }
    const variable = where === 'cluster' ? secretEnvVar(name) : name;
    const found = own(overrides, name) ?? own(source, variable);
    const { name: secret, key } = value.valueFrom.secretKeyRef;
    if (found === undefined) {
      problems.push({
        path: joinPath('spec.env', name),
        message:
          where === 'local'
            ? `comes from Secret ${secret} (key ${key}) in a cluster; locally set ${name} in the environment or pass --env ${name}=...`
            : `${variable} is not set: the controller fills it from Secret ${secret} (key ${key})`,
      });
      continue;
    }
    env[name] = found;
    secrets.push(found);
  }
  for (const [name, value] of Object.entries(overrides)) if (!Object.hasOwn(env, name)) env[name] = value;
  return { env, secrets, problems };
}
