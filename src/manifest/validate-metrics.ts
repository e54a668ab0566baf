/**
 * Custom metrics (`metric:` or `metrics:` on a request step): a name that is not a built-in metric, a value that is a
 * number or a template, one type per name across the test, and at most MAX_CUSTOM_METRICS names. That a
 * metric needs a request is a cross-field rule (cross-field-rules.ts). Every problem carries its field path.
 */
import type { CustomMetricType, LoadTestSpec, Step } from '../api/schema.js';
import { joinPath, type Problem } from '../api/schema-check.js';
import { customValue, MAX_CUSTOM_METRICS, stepMetrics } from '../metrics/custom-metrics.js';
import { builtinMetric } from '../metrics/threshold-expr.js';
import { checkTemplate, type TemplateScope } from './template-check.js';
import { lifecycleFlows } from './validate-control.js';

/** The path of stepMetrics(step)[i]. */
const metricPath = (step: Step, path: string, i: number) =>
  step.metric === undefined
    ? `${path}.metrics[${i}]`
    : i === 0
      ? `${path}.metric`
      : `${path}.metrics[${i - 1}]`;

/** The rules of one step's metrics; the test-wide ones are in customMetricSpecProblems. */
export function metricProblems(step: Step, path: string, scope: TemplateScope, problems: Problem[]): void {
  const seen = new Set<string>();
  stepMetrics(step).forEach((m, i) => {
    const at = metricPath(step, path, i);
    if (builtinMetric(m.name))
      problems.push({ path: `${at}.name`, message: `"${m.name}" is a built-in metric; choose another name` });
    if (seen.has(m.name))
      problems.push({ path: `${at}.name`, message: `"${m.name}" is already a metric of this step` });
    seen.add(m.name);
    if (!m.value.includes('${') && customValue(m.value) === undefined)
      problems.push({
        path: `${at}.value`,
        message: 'is neither a number nor a ${...} template, e.g. "${vars.queueTime}" or "1"',
      });
    else checkTemplate(m.value, `${at}.value`, scope, problems);
  });
}

/** Every step with its path, nested ones included. */
function walk(steps: readonly Step[], base: string, visit: (step: Step, path: string) => void): void {
  steps.forEach((step, i) => {
    const path = `${base}[${i}]`;
    visit(step, path);
    if (step.steps) walk(step.steps, `${path}.steps`, visit);
    step.choice?.forEach((c, k) => walk(c.steps, `${path}.choice[${k}].steps`, visit));
  });
}

/** One type per metric name across the test, and a bounded number of names (Prometheus label sets). */
export function customMetricSpecProblems(spec: LoadTestSpec): Problem[] {
  const problems: Problem[] = [];
  const types = new Map<string, { type: CustomMetricType; path: string }>();
  const visit = (step: Step, path: string) =>
    stepMetrics(step).forEach((m, i) => {
      const at = metricPath(step, path, i);
      const first = types.get(m.name);
      if (first && first.type !== m.type) {
        problems.push({
          path: `${at}.type`,
          message: `"${m.name}" is a ${first.type} at ${first.path}; one name has one type`,
        });
      } else if (!first && types.size === MAX_CUSTOM_METRICS) {
        problems.push({
          path: `${at}.name`,
          message: `a test may have at most ${MAX_CUSTOM_METRICS} custom metric names (each is a Prometheus series per step)`,
        });
      } else if (!first) types.set(m.name, { type: m.type, path: at });
    });
  for (const [name, scenario] of Object.entries(spec.scenarios)) {
    const base = joinPath('spec.scenarios', name);
    walk(scenario.flow, `${base}.flow`, visit);
    for (const flow of lifecycleFlows(scenario.lifecycle, `${base}.lifecycle`))
      walk(flow.steps, flow.path, visit);
  }
  return problems;
}
