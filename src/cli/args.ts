/** A small argument parser: `--name value`, `--name=value`, repeatable options and boolean flags. */

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export interface ArgSpec {
  /** Options that take a value. */
  values?: string[];
  /** Options that may repeat (also take a value). */
  repeated?: string[];
  flags?: string[];
  /** Short aliases, e.g. { e: 'env' }. */
  aliases?: Record<string, string>;
}

export interface ParsedArgs {
  positional: string[];
  values: Record<string, string>;
  repeated: Record<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: {}, repeated: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    name = spec.aliases?.[name] ?? name;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    const takesValue = spec.values?.includes(name) || spec.repeated?.includes(name);
    if (!takesValue) throw new UsageError(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.repeated?.includes(name)) out.repeated[name] = [...(out.repeated[name] ?? []), value];
    else out.values[name] = value;
  }
  return out;
}
