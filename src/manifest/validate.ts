/**
 * Turns manifest text into a validated LoadTest, or into every problem at once, each with its field path
 * and what is allowed. The schema check comes first; cross-field rules (the ones the CRD expresses as CEL)
 * and template/threshold syntax follow.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { durationUs } from '../api/duration.js';
import { type FeederFormat, MAX_FEEDER_BYTES, parseFeederText } from '../api/feeder-text.js';
import type { FeederSpec, LoadTest as LoadTestType, PostgresSpec, Scenario, Step } from '../api/schema.js';
import { checkSchema, excerpt, joinPath, type Problem } from '../api/schema-check.js';
import { LOAD_TEST_SCHEMA } from '../api/schema-json.generated.js';
import { compileUserRegex } from '../api/user-regex.js';
import { loadBoundProblems } from '../api/validate-bounds.js';
import { FileReadError, readBoundedTextFile } from '../engine/bounded-file.js';
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';
import { configMapFormat } from '../engine/feeders.js';
import { compileJsonPath } from '../engine/json-path.js';
import { RUNNERS, shardCountProblems } from '../engine/shard-count.js';
import { declaredCustomMetrics } from '../metrics/custom-metrics.js';
import { parseThresholdExpression, parseThresholdKey } from '../metrics/threshold-expr.js';
import { ruleProblems } from './cross-field.js';
import { CROSS_FIELD_RULES, EXECUTOR_TAKES, STEP_KINDS } from './cross-field-rules.js';
import { checkJsonTemplates, checkTemplate, type TemplateScope } from './template-check.js';
import { controlProblems, lifecycleFlows, refreshProblems } from './validate-control.js';
import { grpcStepProblems, isGrpcBaseURL, nonGrpcStepProblems } from './validate-grpc.js';
import { customMetricSpecProblems, metricProblems } from './validate-metrics.js';
import { pgStepProblems, postgresSpecProblems, wsStepProblems } from './validate-protocols.js';
import { tlsProblems } from './validate-tls.js';
import { readYamlDocument } from './yaml-document.js';

export type { Problem } from '../api/schema-check.js';
export { checkTemplate } from './template-check.js';

export type ValidationResult = { ok: true; loadTest: LoadTestType } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Where relative feeder files resolve from; file checks are skipped when absent. */
  baseDir?: string;
  /** `--env` overrides; may only name variables declared in spec.env. */
  envOverrides?: Record<string, string>;
  /**
   * Where the test will run: locally feeders read files (configMap is refused), in a cluster they read
   * ConfigMaps (file paths are refused: the file is on the user's machine). Absent: both are accepted.
   */
  runsIn?: 'local' | 'cluster';
  /**
   * Changes the parsed document before it is validated (the CLI's `${env.X}` substitution and overrides);
   * its problems are reported instead of validating.
   */
  preprocess?: (document: unknown) => Problem[];
}

export function parseManifest(text: string, options: ValidateOptions = {}): ValidationResult {
  const read = readYamlDocument(text);
  if (!read.ok) return read;
  const early = options.preprocess?.(read.value) ?? [];
  if (early.length) return { ok: false, problems: early };
  return validateLoadTest(read.value, options);
}

export function validateLoadTest(value: unknown, options: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [];
  checkSchema(LOAD_TEST_SCHEMA, value, '', problems);
  // A document that is not an object at all has no field to name: say so instead of an empty path.
  if (problems.length)
    return { ok: false, problems: problems.map((p) => (p.path ? p : { ...p, path: '(document)' })) };
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
    problems.push(...feederProblems(joinPath('spec.feeders', name), feeder, options));
  }
  problems.push(...tlsProblems(loadTest, options));
  const templateScope = { env: declaredEnv, feeders };
  const grpcTarget = isGrpcBaseURL(spec.target.baseURL);
  for (const [k, v] of Object.entries(spec.target.headers ?? {})) {
    checkTemplate(v, joinPath('spec.target.headers', k), { ...templateScope, vars: new Set() }, problems);
  }
  problems.push(...postgresSpecProblems(loadTest, { ...templateScope, vars: new Set() }));
  for (const [name, scenario] of Object.entries(spec.scenarios)) {
    problems.push(...scenarioProblems(name, scenario, { ...templateScope, grpcTarget }, spec.postgres));
  }
  // spec.runners shards the load in a cluster; a local run shards it by --workers (checked by `stampede run`).
  if (options.runsIn !== 'local')
    problems.push(...shardCountProblems(spec.scenarios, spec.runners ?? 1, RUNNERS));
  problems.push(...customMetricSpecProblems(spec));
  const customMetrics = declaredCustomMetrics(spec);
  for (const [key, rules] of Object.entries(spec.thresholds ?? {})) {
    const path = joinPath('spec.thresholds', key);
    try {
      const parsed = parseThresholdKey(key, customMetrics);
      rules.forEach((rule, i) => {
        const text = typeof rule === 'string' ? rule : rule.threshold;
        try {
          parseThresholdExpression(text, parsed.kind, parsed.custom);
        } catch (error) {
          problems.push({ path: `${path}[${i}]`, message: (error as Error).message });
        }
      });
      if (parsed.tags.scenario && !Object.hasOwn(spec.scenarios, parsed.tags.scenario)) {
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

function scenarioProblems(
  name: string,
  scenario: Scenario,
  scope: Omit<TemplateScope, 'vars'> & { grpcTarget: boolean },
  postgres: PostgresSpec | undefined,
): Problem[] {
  const base = joinPath('spec.scenarios', name);
  const problems: Problem[] = [];
  const executor = EXECUTOR_REGISTRY[scenario.executor];
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'scenario', scenario, base, EXECUTOR_TAKES));
  for (const p of executor.validate(scenario))
    problems.push({ path: `${base}.${p.path}`, message: p.message });
  problems.push(...loadBoundProblems(scenario, base));
  // A VU's variables live across its lifecycle flows and iterations: any of them may define one.
  const lifecycle = lifecycleFlows(scenario.lifecycle, `${base}.lifecycle`);
  const vars = new Set<string>();
  collectDefinedVars(scenario.flow, vars);
  for (const flow of lifecycle) collectDefinedVars(flow.steps, vars);
  const flowScope = { ...scope, vars, postgres };
  checkFlow(scenario.flow, `${base}.flow`, flowScope, problems);
  for (const flow of lifecycle) checkFlow(flow.steps, flow.path, flowScope, problems);
  refreshProblems(scenario.lifecycle, `${base}.lifecycle`, flowScope, problems);
  problems.push(
    ...mixedProtocolNames([{ steps: scenario.flow, path: `${base}.flow`, prefix: '' }, ...lifecycle]),
  );
  return problems;
}

/** One step name is one row of results, so it may not name steps of two protocols. */
function mixedProtocolNames(flows: { steps: Step[]; path: string; prefix: string }[]): Problem[] {
  const byName = new Map<string, string>();
  const problems: Problem[] = [];
  const walk = (list: Step[], path: string, prefix: string) =>
    list.forEach((step, i) => {
      const here = `${path}[${i}]`;
      const protocol = step.ws
        ? 'ws'
        : step.pg
          ? 'pg'
          : step.grpc
            ? 'grpc'
            : step.request
              ? 'http'
              : undefined;
      if (protocol && step.name !== undefined) {
        const full = prefix + step.name;
        const seen = byName.get(full);
        if (seen === undefined) byName.set(full, protocol);
        else if (seen !== protocol)
          problems.push({ path: `${here}.name`, message: `"${full}" already names a ${seen} step` });
      }
      const inner = step.group ? `${prefix}${step.group}/` : prefix;
      if (step.steps) walk(step.steps, `${here}.steps`, inner);
      step.choice?.forEach((c, k) => walk(c.steps, `${here}.choice[${k}].steps`, inner));
    });
  for (const flow of flows) walk(flow.steps, flow.path, flow.prefix);
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

type FlowScope = TemplateScope & { postgres: PostgresSpec | undefined; grpcTarget: boolean };

function checkFlow(steps: Step[], base: string, scope: FlowScope, problems: Problem[]): void {
  steps.forEach((step, i) => checkStep(step, `${base}[${i}]`, scope, problems));
}

/** One step and, recursively, its nested steps; problems in the order a reader meets the fields. */
function checkStep(step: Step, path: string, scope: FlowScope, problems: Problem[]): void {
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'step', step, path));
  if (!STEP_KINDS.some((k) => step[k] !== undefined) && !step.think && !step.set) {
    problems.push({
      path,
      message: 'does nothing; give it a request, ws, pg, grpc, steps, choice, think or set',
    });
  }
  if (step.ws) wsStepProblems(step.ws, `${path}.ws`, scope, problems);
  if (step.pg) pgStepProblems(step.pg, step.name, path, scope.postgres, scope, problems);
  controlProblems(step, path, scope, problems);
  metricProblems(step, path, scope, problems);
  if (
    (step.group !== undefined || step.repeat !== undefined) &&
    step.steps === undefined &&
    step.choice === undefined
  ) {
    problems.push({ path, message: 'group and repeat need steps' });
  }
  if (step.grpc) grpcStepProblems(step, path, scope, scope.grpcTarget, problems);
  else nonGrpcStepProblems(step, path, scope.grpcTarget, problems);
  if (!step.request && !step.grpc) {
    for (const field of ['extract', 'check'] as const) {
      if (step[field])
        problems.push({ path: `${path}.${field}`, message: 'only applies to a step with a request' });
    }
  }
  if (step.think) checkThink(step.think, `${path}.think`, problems);
  if (step.request) checkRequest(step.request, `${path}.request`, scope, problems);
  checkExtractors(step.extract ?? {}, `${path}.extract`, problems);
  if (step.check) checkResponseChecks(step.check, `${path}.check`, scope, problems);
  for (const [k, v] of Object.entries(step.set ?? {}))
    checkTemplate(v, joinPath(`${path}.set`, k), scope, problems);
  if (step.steps) checkFlow(step.steps, `${path}.steps`, scope, problems);
  step.choice?.forEach((c, k) => checkFlow(c.steps, `${path}.choice[${k}].steps`, scope, problems));
}

function checkThink(think: NonNullable<Step['think']>, path: string, problems: Problem[]): void {
  const thinkProblems = ruleProblems(CROSS_FIELD_RULES, 'think', think, path);
  problems.push(...thinkProblems);
  if (
    thinkProblems.length === 0 &&
    think.uniform &&
    durationUs(think.uniform.min) > durationUs(think.uniform.max)
  ) {
    problems.push({ path: `${path}.uniform`, message: 'min must not exceed max' });
  }
}

function checkRequest(
  r: NonNullable<Step['request']>,
  path: string,
  scope: FlowScope,
  problems: Problem[],
): void {
  checkTemplate(r.url, `${path}.url`, scope, problems);
  if (/^https?:\/\//.test(r.url) && /^https?:\/\/[^/]*\$\{/.test(r.url)) {
    problems.push({
      path: `${path}.url`,
      message: 'the scheme and host of an absolute URL cannot be templated',
    });
  }
  if (r.json !== undefined && r.body !== undefined) {
    problems.push({ path, message: 'has both json and body; use one' });
  }
  for (const [k, v] of Object.entries(r.headers ?? {}))
    checkTemplate(v, joinPath(`${path}.headers`, k), scope, problems);
  for (const [k, v] of Object.entries(r.query ?? {}))
    checkTemplate(v, joinPath(`${path}.query`, k), scope, problems);
  if (r.body !== undefined) checkTemplate(r.body, `${path}.body`, scope, problems);
  if (r.json !== undefined) checkJsonTemplates(r.json, `${path}.json`, scope, problems);
}

function checkExtractors(extract: NonNullable<Step['extract']>, path: string, problems: Problem[]): void {
  for (const [name, e] of Object.entries(extract)) {
    const p = joinPath(path, name);
    problems.push(...ruleProblems(CROSS_FIELD_RULES, 'extractor', e, p));
    if (e.json) tryCompile(() => compileJsonPath(e.json as string), `${p}.json`, problems);
    if (e.regex) tryCompile(() => compileUserRegex(e.regex as string), `${p}.regex`, problems);
  }
}

function checkResponseChecks(
  check: NonNullable<Step['check']>,
  path: string,
  scope: FlowScope,
  problems: Problem[],
): void {
  if (check.bodyMatches)
    tryCompile(() => compileUserRegex(check.bodyMatches as string), `${path}.bodyMatches`, problems);
  (check.json ?? []).forEach((j, k) =>
    tryCompile(() => compileJsonPath(j.path), `${path}.json[${k}].path`, problems),
  );
  if (check.bodyContains !== undefined)
    checkTemplate(check.bodyContains, `${path}.bodyContains`, scope, problems);
  (check.json ?? []).forEach((j, k) => {
    if (j.equals !== undefined) checkJsonTemplates(j.equals, `${path}.json[${k}].equals`, scope, problems);
  });
  if (Object.keys(check).length === 0) problems.push({ path, message: 'is empty' });
}

/** Reads and parses a feeder file as the run will, so an empty or malformed one is exit 2 before any load. */
function feederFileProblem(file: string, format: FeederFormat): string | undefined {
  try {
    parseFeederText(readBoundedTextFile(file, MAX_FEEDER_BYTES), format, file);
    return undefined;
  } catch (error) {
    if (error instanceof FileReadError) return `file ${file} ${error.message}`;
    return excerpt((error as Error).message, 300);
  }
}

function tryCompile(fn: () => unknown, path: string, problems: Problem[]): void {
  try {
    fn();
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
  }
}

function feederProblems(path: string, feeder: FeederSpec, options: ValidateOptions): Problem[] {
  const problems: Problem[] = [];
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'feeder', feeder, path));
  const fileField = feeder.csv ? 'csv' : feeder.json ? 'json' : undefined;
  const file = feeder.csv ?? feeder.json;
  if (fileField && options.runsIn === 'cluster') {
    problems.push({
      path: `${path}.${fileField}`,
      message:
        'a file path is read on the machine running `stampede run` and never reaches the runner pods; in a ' +
        'cluster put the file in a ConfigMap (kubectl create configmap NAME --from-file=FILE) and use ' +
        'configMap: { name: NAME, key: FILE }',
    });
  }
  if (file && options.baseDir && !existsSync(resolve(options.baseDir, file))) {
    problems.push({
      path: `${path}.${fileField}`,
      message: `file ${resolve(options.baseDir, file)} does not exist`,
    });
  } else if (file && fileField && options.baseDir) {
    const problem = feederFileProblem(resolve(options.baseDir, file), fileField);
    if (problem) problems.push({ path: `${path}.${fileField}`, message: problem });
  }
  if (feeder.configMap) {
    if (options.runsIn === 'local') {
      problems.push({
        path: `${path}.configMap`,
        message: 'configMap feeders are read in a cluster; locally use csv: or json: with a file path',
      });
    }
    if (!configMapFormat(feeder.configMap)) {
      problems.push({
        path: `${path}.configMap.format`,
        message: `is required when the key (${feeder.configMap.key}) does not end in .csv or .json (allowed: csv, json)`,
      });
    }
  }
  return problems;
}
