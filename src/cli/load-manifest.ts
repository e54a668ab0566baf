/** Reads and validates a manifest file for the CLI, turning every failure into a printable message. */
import { dirname, resolve } from 'node:path';
import type { LoadTest } from '../api/schema.js';
import { excerpt } from '../api/schema-check.js';
import { MAX_MANIFEST_BYTES } from '../api/spec-constants.js';
import { FileReadError, readBoundedTextFile, sizeLimitText } from '../engine/bounded-file.js';
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
    // Bounded: a huge file, or a device such as /dev/zero, is refused before it is parsed and validated.
    text = readBoundedTextFile(file, MAX_MANIFEST_BYTES);
  } catch (error) {
    if (error instanceof FileReadError) {
      const limit = sizeLimitText(MAX_MANIFEST_BYTES);
      const size = error.size !== undefined ? `${error.size} bytes` : `larger than ${limit}`;
      const message =
        error.code === 'NOT_REGULAR_FILE'
          ? `cannot read ${file}: it ${error.message}`
          : `${file} is ${size}; a manifest is at most ${limit} (put large feeder data in a csv: or json: file)`;
      return { ok: false, message };
    }
    return {
      ok: false,
      message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
  const binaryAt = binaryOffset(text);
  if (binaryAt >= 0) {
    return { ok: false, message: `${file} is not a YAML text file (binary data at character ${binaryAt})` };
  }
  const baseDir = dirname(resolve(file));
  const preprocess = (document: unknown) => {
    const env = Object.assign(Object.create(null), declaredEnv(document), envOverrides);
    const problems = substituteEnv(document, env);
    return problems.length ? problems : applyOverrides(document, overrides);
  };
  const result = parseManifest(text, { baseDir, envOverrides, preprocess, ...(runsIn ? { runsIn } : {}) });
  if (!result.ok) {
    const shown = result.problems.slice(0, MAX_PROBLEMS_SHOWN);
    const lines = shown.map((p) => `  - ${excerpt(p.path, 120)}: ${excerpt(p.message, 400)}`);
    if (result.problems.length > shown.length)
      lines.push(`  ... and ${result.problems.length - shown.length} more`);
    const count = result.problems.length;
    return {
      ok: false,
      message: `${file} is not a valid LoadTest (${count} problem${count === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    };
  }
  return { ok: true, loadTest: result.loadTest, baseDir };
}

const MAX_PROBLEMS_SHOWN = 30;

/** Where text decoded from a file stops being text: a NUL, a control character or invalid UTF-8. */
function binaryOffset(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Tab, LF and CR are the only controls YAML text needs; U+FFFD is what Node decodes invalid UTF-8 to.
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffd) return i;
  }
  return -1;
}

/**
 * The values of spec.env in a parsed document that is not validated yet: plain values, and Secret
 * references that the environment of this process fills in (as a local run does).
 */
function declaredEnv(document: unknown): Record<string, string> {
  const env = (document as { spec?: { env?: unknown } } | null)?.spec?.env;
  if (typeof env !== 'object' || env === null) return {};
  // Names are the user's: `constructor` must not find Object.prototype's member, here or in process.env.
  const values: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') values[name] = value;
    else if (Object.hasOwn(process.env, name)) values[name] = process.env[name] as string;
  }
  return values;
}

export function parseEnvOverrides(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${pair}: expected NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
