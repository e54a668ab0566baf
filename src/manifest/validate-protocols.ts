/**
 * Cross-field rules for WebSocket and PostgreSQL steps and for spec.postgres: what the schema cannot say
 * (exactly one of, needs, URL parsing, template scopes). Every problem carries its field path.
 */

import type { LoadTest, PgStepSpec, PostgresSpec, SecretKeyRefSpec, WsStepSpec } from '../api/schema.js';
import { joinPath, type Problem } from '../api/schema-check.js';
import { compileJsonPath } from '../engine/json-path.js';
import { compileTemplate } from '../engine/template.js';
import { ruleProblems } from './cross-field.js';
import { CROSS_FIELD_RULES } from './cross-field-rules.js';
import { checkJsonTemplates, checkTemplate, type TemplateScope } from './template-check.js';

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** The absolute part of a WebSocket URL must parse and may not be templated; the path may. */
function wsUrlProblems(url: string, path: string, scope: TemplateScope, problems: Problem[]): void {
  checkTemplate(url, path, scope, problems);
  const absolute = /^(wss?:\/\/[^/?#]*)/.exec(url);
  if (!absolute) {
    if (!url.startsWith('/'))
      problems.push({ path, message: `${JSON.stringify(url)} is not a ws:// or wss:// URL or a /path` });
    return;
  }
  if (absolute[1]?.includes('${')) {
    problems.push({ path, message: 'the scheme and host of a WebSocket URL cannot be templated' });
    return;
  }
  try {
    const parsed = new URL(url.replace(/\$\{[^}]*\}/g, 'x'));
    if (!parsed.hostname) throw new Error('no host');
  } catch {
    problems.push({ path, message: `${JSON.stringify(url)} is not a valid WebSocket URL` });
  }
}

export function wsStepProblems(
  ws: WsStepSpec,
  path: string,
  scope: TemplateScope,
  problems: Problem[],
): void {
  wsUrlProblems(ws.url, `${path}.url`, scope, problems);
  for (const [k, v] of Object.entries(ws.headers ?? {}))
    checkTemplate(v, joinPath(`${path}.headers`, k), scope, problems);
  if (ws.send) {
    problems.push(...ruleProblems(CROSS_FIELD_RULES, 'wsMessage', ws.send, `${path}.send`));
    if (ws.send.text !== undefined) checkTemplate(ws.send.text, `${path}.send.text`, scope, problems);
    if (ws.send.json !== undefined) checkJsonTemplates(ws.send.json, `${path}.send.json`, scope, problems);
    if (ws.send.binary !== undefined) {
      checkTemplate(ws.send.binary, `${path}.send.binary`, scope, problems);
      if (!ws.send.binary.includes('${') && !BASE64_RE.test(ws.send.binary))
        problems.push({ path: `${path}.send.binary`, message: 'is not base64' });
    }
  }
  if (ws.expect) {
    problems.push(...ruleProblems(CROSS_FIELD_RULES, 'wsExpect', ws.expect, `${path}.expect`));
    if (ws.expect.any === false)
      problems.push({ path: `${path}.expect.any`, message: 'can only be true; leave expect out instead' });
    if (!ws.send) problems.push({ path: `${path}.expect`, message: 'needs send: a reply answers a message' });
    if (ws.expect.json) tryJsonPath(ws.expect.json.path, `${path}.expect.json.path`, problems);
  }
  if (ws.messages !== undefined) {
    if (ws.session)
      problems.push({
        path: `${path}.messages`,
        message: 'does not apply to a session; use session.interval',
      });
    if (!ws.send) problems.push({ path: `${path}.messages`, message: 'needs send' });
  }
  if (ws.session?.interval !== undefined && !ws.send)
    problems.push({
      path: `${path}.session.interval`,
      message: 'needs send: the message sent every interval',
    });
  if (ws.latencyFrom) tryJsonPath(ws.latencyFrom, `${path}.latencyFrom`, problems);
}

function tryJsonPath(source: string, path: string, problems: Problem[]): void {
  try {
    compileJsonPath(source);
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
  }
}

/** A PostgreSQL URL template may read only ${env.X}: it is resolved once per run, not per VU. */
function pgUrlProblems(url: string, path: string, scope: TemplateScope, problems: Problem[]): void {
  const before = problems.length;
  checkTemplate(url, path, scope, problems);
  if (problems.length > before) return;
  const refs = compileTemplate(url).references;
  if (refs.some((r) => r.root !== 'env'))
    problems.push({ path, message: 'a database URL may only use ${env.NAME} templates' });
}

function urlSourceProblems(
  spec: { url?: string; urlFrom?: SecretKeyRefSpec },
  path: string,
  scope: TemplateScope,
  problems: Problem[],
): void {
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'pgUrl', spec, path));
  if (spec.url !== undefined) pgUrlProblems(spec.url, `${path}.url`, scope, problems);
}

export function pgStepProblems(
  pg: PgStepSpec,
  name: string | undefined,
  path: string,
  postgres: PostgresSpec | undefined,
  scope: TemplateScope,
  problems: Problem[],
): void {
  if (name === undefined)
    problems.push({ path, message: 'a pg step needs a name: results are reported per query name' });
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'pgStep', pg, `${path}.pg`));
  if (pg.params && pg.transaction)
    problems.push({ path: `${path}.pg.params`, message: 'give params per statement in a transaction' });
  urlSourceProblems(pg, `${path}.pg`, scope, problems);
  if (pg.url === undefined && pg.urlFrom === undefined && !postgres?.url && !postgres?.urlFrom) {
    problems.push({
      path: `${path}.pg`,
      message: 'has no database: set url or urlFrom here or in spec.postgres',
    });
  }
  (pg.params ?? []).forEach((p, i) => checkTemplate(p, `${path}.pg.params[${i}]`, scope, problems));
  (pg.transaction ?? []).forEach((st, k) =>
    (st.params ?? []).forEach((p, i) =>
      checkTemplate(p, `${path}.pg.transaction[${k}].params[${i}]`, scope, problems),
    ),
  );
}

/** spec.postgres, and secret references that would share one environment variable. */
export function postgresSpecProblems(loadTest: LoadTest, scope: TemplateScope): Problem[] {
  const problems: Problem[] = [];
  const postgres = loadTest.spec.postgres;
  if (postgres) {
    urlSourceProblems(postgres, 'spec.postgres', scope, problems);
    if ((postgres.setup?.length || postgres.teardown?.length) && !postgres.url && !postgres.urlFrom) {
      problems.push({ path: 'spec.postgres', message: 'setup and teardown need url or urlFrom' });
    }
  }
  const keyBySecret = new Map<string, string>();
  for (const ref of secretRefs(loadTest)) {
    const { name, key } = ref.ref.secretKeyRef;
    const seen = keyBySecret.get(name);
    if (seen === undefined) keyBySecret.set(name, key);
    else if (seen !== key) {
      problems.push({
        path: `${ref.path}.secretKeyRef.key`,
        message: `secret "${name}" is already used with key "${seen}"; one secret gives one database URL`,
      });
    }
  }
  return problems;
}

/** Every urlFrom in the manifest with its path, spec.postgres first. */
export function secretRefs(loadTest: LoadTest): { path: string; ref: SecretKeyRefSpec }[] {
  const out: { path: string; ref: SecretKeyRefSpec }[] = [];
  if (loadTest.spec.postgres?.urlFrom)
    out.push({ path: 'spec.postgres.urlFrom', ref: loadTest.spec.postgres.urlFrom });
  const walk = (steps: LoadTest['spec']['scenarios'][string]['flow'], base: string) =>
    steps.forEach((step, i) => {
      const path = `${base}[${i}]`;
      if (step.pg?.urlFrom) out.push({ path: `${path}.pg.urlFrom`, ref: step.pg.urlFrom });
      if (step.steps) walk(step.steps, `${path}.steps`);
      step.choice?.forEach((c, k) => walk(c.steps, `${path}.choice[${k}].steps`));
    });
  for (const [name, scenario] of Object.entries(loadTest.spec.scenarios))
    walk(scenario.flow, `${joinPath('spec.scenarios', name)}.flow`);
  return out;
}
