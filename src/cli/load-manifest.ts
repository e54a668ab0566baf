/** Reads and validates a manifest file for the CLI, turning every failure into a printable message. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LoadTest } from '../api/schema.js';
import { parseManifest, type ValidateOptions } from '../manifest/validate.js';
import { UsageError } from './args.js';
import { applyOverrides, type LoadOverrides, substituteEnv } from './overrides.js';

export type LoadedManifest =
  | { ok: true; loadTest: LoadTest; baseDir: string }
  | { ok: false; message: string };

export async function loadManifest(
  file: string,
  envOverrides: Record<string, string>,
  runsIn?: ValidateOptions['runsIn'],
  overrides: LoadOverrides = { fields: {} },
): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
  const baseDir = dirname(resolve(file));
  const preprocess = (document: unknown) => {
    const problems = substituteEnv(document, { ...declaredEnv(document), ...envOverrides });
    return problems.length ? problems : applyOverrides(document, overrides);
  };
  const result = parseManifest(text, { baseDir, envOverrides, preprocess, ...(runsIn ? { runsIn } : {}) });
  if (!result.ok) {
    const lines = result.problems.map((p) => `  - ${p.path}: ${p.message}`);
    const count = result.problems.length;
    return {
      ok: false,
      message: `${file} is not a valid LoadTest (${count} problem${count === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    };
  }
  return { ok: true, loadTest: result.loadTest, baseDir };
}

/**
 * The values of spec.env in a parsed document that is not validated yet: plain values, and Secret
 * references that the environment of this process fills in (as a local run does).
 */
function declaredEnv(document: unknown): Record<string, string> {
  const env = (document as { spec?: { env?: unknown } } | null)?.spec?.env;
  if (typeof env !== 'object' || env === null) return {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') values[name] = value;
    else if (process.env[name] !== undefined) values[name] = process.env[name] as string;
  }
  return values;
}

export function parseEnvOverrides(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${pair}: expected NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
