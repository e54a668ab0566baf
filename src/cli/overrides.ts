/**
 * What the CLI changes in a manifest before it is validated: `${env.X}` in durations, rates, counts and the
 * base URL, and `--vus/--duration/--rate/--iterations [--scenario NAME]` and `--base-url`. Both work on the
 * parsed document, so the schema then judges the result and reports any bad value with its field path.
 */
import type { Problem } from '../api/schema-check.js';
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';
import { UsageError } from './args.js';

/** Scenario fields the CLI can set, with how the text of the option becomes the field's value. */
const FIELD_OPTIONS = { vus: 'number', duration: 'string', rate: 'number', iterations: 'number' } as const;
type OverrideField = keyof typeof FIELD_OPTIONS;
export const OVERRIDE_OPTIONS = [...(Object.keys(FIELD_OPTIONS) as OverrideField[]), 'scenario', 'base-url'];

export const OVERRIDE_USAGE = `  --vus N --duration D --rate R --iterations N
                    override these fields in every scenario whose executor takes them, or in one with
                    --scenario NAME; the result is validated like the manifest
  --base-url URL    override spec.target.baseURL`;

export interface LoadOverrides {
  fields: Partial<Record<OverrideField, string>>;
  scenario?: string;
  baseUrl?: string;
}

export function overridesFrom(values: Record<string, string | undefined>): LoadOverrides {
  const fields: LoadOverrides['fields'] = {};
  for (const field of Object.keys(FIELD_OPTIONS) as OverrideField[]) {
    const value = values[field];
    if (value !== undefined) fields[field] = value;
  }
  if (values.scenario !== undefined && Object.keys(fields).length === 0)
    throw new UsageError(
      '--scenario names the scenario that --vus, --duration, --rate or --iterations change',
    );
  return {
    fields,
    ...(values.scenario !== undefined ? { scenario: values.scenario } : {}),
    ...(values['base-url'] !== undefined ? { baseUrl: values['base-url'] } : {}),
  };
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets the overridden fields on the parsed manifest; problems name the option and the scenario. */
export function applyOverrides(manifest: unknown, overrides: LoadOverrides): Problem[] {
  const spec = isObject(manifest) && isObject(manifest.spec) ? manifest.spec : undefined;
  if (!spec) return [];
  if (overrides.baseUrl !== undefined) {
    spec.target = { ...(isObject(spec.target) ? spec.target : {}), baseURL: overrides.baseUrl };
  }
  const scenarios = isObject(spec.scenarios) ? spec.scenarios : {};
  const names = Object.keys(scenarios);
  if (overrides.scenario !== undefined && !names.includes(overrides.scenario)) {
    return [
      { path: `--scenario ${overrides.scenario}`, message: `no such scenario (have: ${names.join(', ')})` },
    ];
  }
  const targets = overrides.scenario !== undefined ? [overrides.scenario] : names;
  const problems: Problem[] = [];
  for (const [field, text] of Object.entries(overrides.fields) as [OverrideField, string][]) {
    const takers = targets.filter((name) => takes(scenarios[name], field));
    if (takers.length === 0) {
      const which = overrides.scenario ? `scenario ${overrides.scenario}` : 'no scenario';
      problems.push({
        path: `--${field}`,
        message: `${which} ${overrides.scenario ? 'does not take' : 'takes'} ${field} (executors: ${targets
          .map((name) => `${name}: ${executorOf(scenarios[name]) ?? '?'}`)
          .join(', ')})`,
      });
      continue;
    }
    const value = FIELD_OPTIONS[field] === 'number' && /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    for (const name of takers) (scenarios[name] as Obj)[field] = value;
  }
  return problems;
}

function executorOf(scenario: unknown): string | undefined {
  return isObject(scenario) && typeof scenario.executor === 'string' ? scenario.executor : undefined;
}

function takes(scenario: unknown, field: OverrideField): boolean {
  const executor = EXECUTOR_REGISTRY[executorOf(scenario) as keyof typeof EXECUTOR_REGISTRY];
  return executor !== undefined && [...executor.required, ...executor.optional].includes(field);
}

const ENV_REF = /\$\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;
const WHOLE_ENV_REF = /^\$\{\s*env\.[A-Za-z_][A-Za-z0-9_]*\s*\}$/;
/** Scenario fields that stay templates or text: the flows render `${...}` per request themselves. */
const KEEP_TEMPLATES = new Set(['flow', 'lifecycle', 'tags', 'stopWhen']);

/**
 * Replaces `${env.NAME}` in spec.target.baseURL, spec.target.timeout and the load fields of each scenario
 * (durations, rates, counts, stages, levels, recovery) with the run's value of NAME. A field that is one
 * reference to a number (`rate: ${env.RATE}`) becomes that number.
 */
export function substituteEnv(manifest: unknown, env: Record<string, string>): Problem[] {
  const spec = isObject(manifest) && isObject(manifest.spec) ? manifest.spec : undefined;
  if (!spec) return [];
  const problems: Problem[] = [];
  const declared = Object.keys(isObject(spec.env) ? spec.env : {});
  const replace = (text: string, path: string): unknown => {
    const missing = [...text.matchAll(ENV_REF)]
      .map((m) => m[1] as string)
      .filter((n) => !Object.hasOwn(env, n));
    if (missing.length) {
      const name = missing[0] as string;
      problems.push({
        path,
        message: declared.includes(name)
          ? `\${env.${name}} has no value here: it comes from a Secret; set ${name} in the environment or pass --env ${name}=...`
          : `\${env.${name}} is undefined: declare it in spec.env (declared: ${declared.join(', ') || 'none'})`,
      });
      return text;
    }
    const out = text.replace(ENV_REF, (_m, name: string) => env[name] as string);
    return WHOLE_ENV_REF.test(text) && /^-?\d+(\.\d+)?$/.test(out) ? Number(out) : out;
  };
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return value.includes('${') ? replace(value, path) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (!isObject(value)) return value;
    for (const [k, v] of Object.entries(value)) value[k] = walk(v, `${path}.${k}`);
    return value;
  };
  if (isObject(spec.target)) {
    for (const field of ['baseURL', 'timeout']) {
      if (spec.target[field] !== undefined)
        spec.target[field] = walk(spec.target[field], `spec.target.${field}`);
    }
  }
  for (const [name, scenario] of Object.entries(isObject(spec.scenarios) ? spec.scenarios : {})) {
    if (!isObject(scenario)) continue;
    for (const [field, value] of Object.entries(scenario)) {
      if (!KEEP_TEMPLATES.has(field)) scenario[field] = walk(value, `spec.scenarios.${name}.${field}`);
    }
  }
  return problems;
}
