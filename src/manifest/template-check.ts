/** Static checks of `${...}` templates: they compile, and every name they read is defined where it comes from. */

import { joinPath, type Problem } from '../api/schema-check.js';
import { compileCondition, compileTemplate, TEMPLATE_ROOTS } from '../engine/template.js';

/** The fields of `last`, the VU's last request step (engine/template.ts LastResult). */
const LAST_FIELDS = ['step', 'status', 'ok', 'error'];

export interface TemplateScope {
  env: Set<string>;
  feeders: Set<string>;
  vars: Set<string>;
}

export function checkJsonTemplates(
  value: unknown,
  path: string,
  scope: TemplateScope,
  problems: Problem[],
): void {
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
  checkReferences(references, path, scope, problems);
}

/** A condition (`if`, `loop.until`, `refresh.if`): one expression that parses and reads only defined names. */
export function checkCondition(text: string, path: string, scope: TemplateScope, problems: Problem[]): void {
  let references: ReturnType<typeof compileCondition>['references'];
  try {
    references = compileCondition(text).references;
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
    return;
  }
  checkReferences(references, path, scope, problems);
}

function checkReferences(
  references: ReturnType<typeof compileTemplate>['references'],
  path: string,
  scope: TemplateScope,
  problems: Problem[],
): void {
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
    } else if (ref.root === 'last' && !LAST_FIELDS.includes(String(key))) {
      problems.push({
        path,
        message: `\${${full}} is not a field of last; use one of ${LAST_FIELDS.join(', ')}`,
      });
    } else if ((ref.root === 'env' || ref.root === 'vars' || ref.root === 'data') && ref.keys.length === 0) {
      problems.push({
        path,
        message: `\${${ref.root}} needs a name, e.g. \${${ref.root}.NAME}; roots: ${TEMPLATE_ROOTS.join(', ')}`,
      });
    }
  }
}
