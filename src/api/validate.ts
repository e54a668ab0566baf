/**
 * Turns manifest text into a validated LoadTest, or into every problem at once, each with its field path
 * and what is allowed. The schema check comes first; cross-field rules (the ones the CRD expresses as CEL)
 * and template/threshold syntax follow.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { COMMON_FIELDS } from '../engine/executor.js';
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';
import { compileJsonPath } from '../engine/json-path.js';
import { compileTemplate, TEMPLATE_ROOTS } from '../engine/template.js';
import { parseThresholdExpression, parseThresholdKey } from '../metrics/threshold-expr.js';
import { durationUs } from './duration.js';
import { LoadTest, type LoadTest as LoadTestType, type Scenario, type Step } from './schema.js';
import { checkSchema, joinPath, type Problem } from './schema-check.js';

export type { Problem } from './schema-check.js';

export type ValidationResult = { ok: true; loadTest: LoadTestType } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Where relative feeder files resolve from; file checks are skipped when absent. */
  baseDir?: string;
  /** `--env` overrides; may only name variables declared in spec.env. */
  envOverrides?: Record<string, string>;
}

export function parseManifest(text: string, options: ValidateOptions = {}): ValidationResult {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list.find((d) => d.contents !== null) ?? list[0];
  if (!first) return { ok: false, problems: [{ path: '(document)', message: 'the file is empty' }] };
  if (first.errors.length) {
    return {
      ok: false,
      problems: first.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  return validateLoadTest(first.toJS(), options);
}

export function validateLoadTest(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [];
  checkSchema(LoadTest as never, value, '', problems);
  if (problems.length) return { ok: false, problems };
  const loadTest = value as LoadTestType;
  problems.push(...crossFieldProblems(loadTest, options));
  return problems.length ? { ok: false, problems } : { ok: true, loadTest };
}

export function crossFieldProblems(loadTest: LoadTestType, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const spec = loadTest.spec;
  const declaredEnv = new Set(Object.keys(spec.env ?? {}));
  for (const name of Object.keys(options.envOverrides ?? {})) {
    if (!declaredEnv.has(name)) {
      problems.push({
        path: `--env ${name}`,
        message: `is not declared in spec.env (declared: ${[...declaredEnv].join(', ') || 'none'})`,
      });
    }
  }
  const feeders = new Set(Object.keys(spec.feeders ?? {}));
  for (const [name, feeder] of Object.entries(spec.feeders ?? {})) {
    const path = joinPath('spec.feeders', name);
    const sources = ['inline', 'csv', 'json'].filter((k) => feeder[k as keyof typeof feeder] !== undefined);
    if (sources.length !== 1) {
      problems.push({
        path,
        message: `needs exactly one of inline, csv, json (found ${sources.join(', ') || 'none'})`,
      });
    }
    const file = feeder.csv ?? feeder.json;
    if (file && options.baseDir && !existsSync(resolve(options.baseDir, file))) {
      problems.push({
        path: `${path}.${feeder.csv ? 'csv' : 'json'}`,
        message: `file ${resolve(options.baseDir, file)} does not exist`,
      });
    }
  }
  const templateScope = { env: declaredEnv, feeders };
  for (const [k, v] of Object.entries(spec.target.headers ?? {})) {
    checkTemplate(v, joinPath('spec.target.headers', k), { ...templateScope, vars: new Set() }, problems);
  }
  for (const [name, scenario] of Object.entries(spec.scenarios)) {
    problems.push(...scenarioProblems(name, scenario, templateScope));
  }
  for (const [key, rules] of Object.entries(spec.thresholds ?? {})) {
    const path = joinPath('spec.thresholds', key);
    try {
      const parsed = parseThresholdKey(key);
      rules.forEach((rule, i) => {
        const text = typeof rule === 'string' ? rule : rule.threshold;
        try {
          parseThresholdExpression(text, parsed.kind);
        } catch (error) {
          problems.push({ path: `${path}[${i}]`, message: (error as Error).message });
        }
      });
      if (parsed.tags.scenario && !(parsed.tags.scenario in spec.scenarios)) {
        problems.push({
          path,
          message: `scenario "${parsed.tags.scenario}" does not exist (have: ${Object.keys(spec.scenarios).join(', ')})`,
        });
      }
    } catch (error) {
      problems.push({ path, message: (error as Error).message });
    }
  }
  return problems;
}

interface TemplateScope {
  env: Set<string>;
  feeders: Set<string>;
  vars: Set<string>;
}

function scenarioProblems(name: string, scenario: Scenario, scope: Omit<TemplateScope, 'vars'>): Problem[] {
  const base = joinPath('spec.scenarios', name);
  const problems: Problem[] = [];
  const executor = EXECUTOR_REGISTRY[scenario.executor];
  const allowed = new Set<string>([...COMMON_FIELDS, ...executor.required, ...executor.optional]);
  for (const field of executor.required) {
    if (scenario[field] === undefined) {
      problems.push({
        path: `${base}.${field}`,
        message: `is required by executor ${scenario.executor} (it takes ${[...executor.required, ...executor.optional].join(', ')})`,
      });
    }
  }
  for (const field of Object.keys(scenario)) {
    if (!allowed.has(field)) {
      problems.push({
        path: `${base}.${field}`,
        message: `is not used by executor ${scenario.executor}; it takes ${[...executor.required, ...executor.optional].join(', ')}`,
      });
    }
  }
  for (const p of executor.validate(scenario))
    problems.push({ path: `${base}.${p.path}`, message: p.message });
  const vars = new Set<string>();
  collectDefinedVars(scenario.flow, vars);
  checkFlow(scenario.flow, `${base}.flow`, { ...scope, vars }, problems);
  return problems;
}

function collectDefinedVars(steps: Step[], out: Set<string>): void {
  for (const step of steps) {
    for (const name of Object.keys(step.extract ?? {})) out.add(name);
    for (const name of Object.keys(step.set ?? {})) out.add(name);
    if (step.steps) collectDefinedVars(step.steps, out);
    for (const c of step.choice ?? []) collectDefinedVars(c.steps, out);
  }
}

const STEP_KINDS = ['request', 'steps', 'choice'] as const;

function checkFlow(steps: Step[], base: string, scope: TemplateScope, problems: Problem[]): void {
  steps.forEach((step, i) => {
    const path = `${base}[${i}]`;
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length > 1) {
      problems.push({
        path,
        message: `has ${kinds.join(' and ')}; a step is one of: request, steps (with group/repeat), choice`,
      });
    }
    if (kinds.length === 0 && !step.think && !step.set) {
      problems.push({ path, message: 'does nothing; give it a request, steps, choice, think or set' });
    }
    if (
      (step.group !== undefined || step.repeat !== undefined) &&
      step.steps === undefined &&
      step.choice === undefined
    ) {
      problems.push({ path, message: 'group and repeat need steps' });
    }
    if (!step.request) {
      for (const field of ['extract', 'check'] as const) {
        if (step[field])
          problems.push({ path: `${path}.${field}`, message: 'only applies to a step with a request' });
      }
    }
    if (step.think) {
      const kindsOfThink = Object.keys(step.think);
      if (kindsOfThink.length !== 1) {
        problems.push({ path: `${path}.think`, message: 'needs exactly one of constant, uniform, poisson' });
      } else if (
        step.think.uniform &&
        durationUs(step.think.uniform.min) > durationUs(step.think.uniform.max)
      ) {
        problems.push({ path: `${path}.think.uniform`, message: 'min must not exceed max' });
      }
    }
    if (step.request) {
      const r = step.request;
      checkTemplate(r.url, `${path}.request.url`, scope, problems);
      if (/^https?:\/\//.test(r.url) && /^https?:\/\/[^/]*\$\{/.test(r.url)) {
        problems.push({
          path: `${path}.request.url`,
          message: 'the scheme and host of an absolute URL cannot be templated',
        });
      }
      if (r.json !== undefined && r.body !== undefined) {
        problems.push({ path: `${path}.request`, message: 'has both json and body; use one' });
      }
      for (const [k, v] of Object.entries(r.headers ?? {}))
        checkTemplate(v, joinPath(`${path}.request.headers`, k), scope, problems);
      for (const [k, v] of Object.entries(r.query ?? {}))
        checkTemplate(v, joinPath(`${path}.request.query`, k), scope, problems);
      if (r.body !== undefined) checkTemplate(r.body, `${path}.request.body`, scope, problems);
      if (r.json !== undefined) checkJsonTemplates(r.json, `${path}.request.json`, scope, problems);
    }
    for (const [name, e] of Object.entries(step.extract ?? {})) {
      const p = joinPath(`${path}.extract`, name);
      const sources = Object.keys(e);
      if (sources.length !== 1)
        problems.push({ path: p, message: 'needs exactly one of json, header, regex' });
      if (e.json) tryCompile(() => compileJsonPath(e.json as string), `${p}.json`, problems);
      if (e.regex) tryCompile(() => new RegExp(e.regex as string), `${p}.regex`, problems);
    }
    if (step.check?.bodyMatches)
      tryCompile(() => new RegExp(step.check?.bodyMatches as string), `${path}.check.bodyMatches`, problems);
    (step.check?.json ?? []).forEach((j, k) =>
      tryCompile(() => compileJsonPath(j.path), `${path}.check.json[${k}].path`, problems),
    );
    if (step.check && Object.keys(step.check).length === 0)
      problems.push({ path: `${path}.check`, message: 'is empty' });
    for (const [k, v] of Object.entries(step.set ?? {}))
      checkTemplate(v, joinPath(`${path}.set`, k), scope, problems);
    if (step.steps) checkFlow(step.steps, `${path}.steps`, scope, problems);
    step.choice?.forEach((c, k) => checkFlow(c.steps, `${path}.choice[${k}].steps`, scope, problems));
  });
}

function tryCompile(fn: () => unknown, path: string, problems: Problem[]): void {
  try {
    fn();
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
  }
}

function checkJsonTemplates(value: unknown, path: string, scope: TemplateScope, problems: Problem[]): void {
  if (typeof value === 'string') checkTemplate(value, path, scope, problems);
  else if (Array.isArray(value))
    value.forEach((v, i) => checkJsonTemplates(v, `${path}[${i}]`, scope, problems));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkJsonTemplates(v, joinPath(path, k), scope, problems);
  }
}

/** Compiles a template and checks that every name it reads is defined somewhere it can come from. */
export function checkTemplate(text: string, path: string, scope: TemplateScope, problems: Problem[]): void {
  let references: ReturnType<typeof compileTemplate>['references'];
  try {
    references = compileTemplate(text).references;
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
    return;
  }
  for (const ref of references) {
    const key = ref.keys[0];
    const full = [ref.root, ...ref.keys].join('.');
    if (ref.root === 'env' && (typeof key !== 'string' || !scope.env.has(key))) {
      problems.push({
        path,
        message: `\${${full}} is undefined: declare it in spec.env (declared: ${[...scope.env].join(', ') || 'none'})`,
      });
    } else if (ref.root === 'vars' && (typeof key !== 'string' || !scope.vars.has(key))) {
      problems.push({
        path,
        message: `\${${full}} is undefined: no step in this scenario extracts or sets it (defined: ${[...scope.vars].join(', ') || 'none'})`,
      });
    } else if (ref.root === 'data' && (typeof key !== 'string' || !scope.feeders.has(key))) {
      problems.push({
        path,
        message: `\${${full}} is undefined: declare feeder "${key}" in spec.feeders (declared: ${[...scope.feeders].join(', ') || 'none'})`,
      });
    } else if ((ref.root === 'env' || ref.root === 'vars' || ref.root === 'data') && ref.keys.length === 0) {
      problems.push({
        path,
        message: `\${${ref.root}} needs a name, e.g. \${${ref.root}.NAME}; roots: ${TEMPLATE_ROOTS.join(', ')}`,
      });
    }
  }
}
