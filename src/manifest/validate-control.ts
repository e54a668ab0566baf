/**
 * Cross-field rules for flow control and the per-VU lifecycle: `if`, `retry`, `loop`, and
 * `lifecycle.setup/refresh/teardown`. Every problem carries its field path.
 */
import { durationUs } from '../api/duration.js';
import type { LifecycleSpec, Step } from '../api/schema.js';
import type { Problem } from '../api/schema-check.js';
import { ruleProblems } from './cross-field.js';
import { CROSS_FIELD_RULES } from './cross-field-rules.js';
import { checkCondition, type TemplateScope } from './template-check.js';

/** The rules of one step's control fields; nested steps are walked by the caller. */
export function controlProblems(step: Step, path: string, scope: TemplateScope, problems: Problem[]): void {
  if (step.if !== undefined) checkCondition(step.if, `${path}.if`, scope, problems);
  // retry needs a request, loop needs steps and not repeat: the step rules of cross-field-rules.ts.
  if (step.retry) {
    problems.push(...ruleProblems(CROSS_FIELD_RULES, 'retry', step.retry, `${path}.retry`));
    const { backoff, maxBackoff } = step.retry;
    if (backoff && maxBackoff && durationUs(backoff) > durationUs(maxBackoff)) {
      problems.push({ path: `${path}.retry.backoff`, message: 'must not exceed maxBackoff' });
    }
  }
  if (step.loop) {
    checkCondition(step.loop.until, `${path}.loop.until`, scope, problems);
  }
}

/** Each lifecycle flow with its field path and the prefix its steps are reported under. */
export function lifecycleFlows(
  lifecycle: LifecycleSpec | undefined,
  base: string,
): { steps: Step[]; path: string; prefix: string }[] {
  if (!lifecycle) return [];
  const flows: { steps: Step[]; path: string; prefix: string }[] = [];
  if (lifecycle.setup) flows.push({ steps: lifecycle.setup, path: `${base}.setup`, prefix: 'setup/' });
  if (lifecycle.refresh)
    flows.push({ steps: lifecycle.refresh.steps, path: `${base}.refresh.steps`, prefix: 'refresh/' });
  if (lifecycle.teardown)
    flows.push({ steps: lifecycle.teardown, path: `${base}.teardown`, prefix: 'teardown/' });
  return flows;
}

export function refreshProblems(
  lifecycle: LifecycleSpec | undefined,
  base: string,
  scope: TemplateScope,
  problems: Problem[],
): void {
  const refresh = lifecycle?.refresh;
  if (!refresh) return;
  problems.push(...ruleProblems(CROSS_FIELD_RULES, 'refresh', refresh, `${base}.refresh`));
  if (refresh.every !== undefined && durationUs(refresh.every) === 0) {
    problems.push({ path: `${base}.refresh.every`, message: 'must be longer than 0s' });
  }
  if (refresh.if !== undefined) checkCondition(refresh.if, `${base}.refresh.if`, scope, problems);
}
