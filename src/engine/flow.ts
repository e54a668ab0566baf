/**
 * Compiles a declarative flow (steps, groups, repeats, weighted choices) into nested async functions once
 * per scenario, so each iteration only runs precompiled closures.
 */
import type { Step } from '../api/schema.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileHttpStep, defaultStepName } from './http-step.js';
import { compilePgStep } from './pg-step.js';
import { compileTemplate } from './template.js';
import { compileThink, sleepMs } from './think.js';
import { compileWsStep, defaultWsStepName } from './ws-step.js';

export type { FlowEnv, StepRunner } from './flow-env.js';

export function compileFlow(steps: Step[], env: FlowEnv, prefix = ''): StepRunner {
  const runners = steps.map((s) => compileStep(s, env, prefix));
  if (runners.length === 1) return runners[0] as StepRunner;
  return async (vu, it) => {
    for (const run of runners) {
      if (it.aborted) return;
      await run(vu, it);
    }
  };
}

function compileStep(step: Step, env: FlowEnv, prefix: string): StepRunner {
  const think = step.think ? compileThink(step.think) : undefined;
  const sets = Object.entries(step.set ?? {}).map(([k, v]) => [k, compileTemplate(v)] as const);
  let body: StepRunner | undefined;
  if (step.request) {
    body = compileHttpStep(step, prefix + (step.name ?? defaultStepName(step)), env);
  } else if (step.ws) {
    body = compileWsStep(step, prefix + (step.name ?? defaultWsStepName(step)), env);
  } else if (step.pg) {
    // Validation requires a name: results are reported per query name.
    body = compilePgStep(step, prefix + (step.name ?? 'pg'), env);
  } else if (step.choice) {
    body = compileChoice(step, env, prefix);
  } else if (step.steps) {
    const inner = compileFlow(step.steps, env, step.group ? `${prefix}${step.group}/` : prefix);
    const times = step.repeat ?? 1;
    body =
      times === 1
        ? inner
        : async (vu, it) => {
            for (let i = 0; i < times && !it.aborted; i++) await inner(vu, it);
          };
  }
  // No extra async frame for the common step that only has a body.
  if (body && !think && sets.length === 0) return body;
  return async (vu, it) => {
    for (const [name, template] of sets) vu.ctx.vars[name] = template.value(vu.ctx);
    if (body) await body(vu, it);
    // A failed request still pauses: skipping think time would turn a dead target into a busy loop.
    if (think && !env.isHardStopped()) await sleepMs(think());
  };
}

function compileChoice(step: Step, env: FlowEnv, prefix: string): StepRunner {
  const options = (step.choice ?? []).map((c) => ({
    weight: c.weight,
    run: compileFlow(c.steps, env, step.group ? `${prefix}${step.group}/` : prefix),
  }));
  const total = options.reduce((sum, o) => sum + o.weight, 0);
  return (vu, it) => {
    let pick = Math.random() * total;
    for (const option of options) {
      pick -= option.weight;
      if (pick < 0) return option.run(vu, it);
    }
    return (options[options.length - 1] as (typeof options)[number]).run(vu, it);
  };
}
