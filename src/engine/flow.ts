/**
 * Compiles a declarative flow (steps, groups, repeats, weighted choices) into nested async functions once
 * per scenario, so each iteration only runs precompiled closures.
 */
import type { Step } from '../api/schema.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileGrpcStep, defaultGrpcStepName } from './grpc-step.js';
import { compileHttpStep, defaultStepName } from './http-step.js';
import { compilePgStep } from './pg-step.js';
import { compileCondition, compileTemplate } from './template.js';
import { compileThink } from './think.js';
import { sleepAbortable } from './timers.js';
import { compileWsStep, defaultWsStepName } from './ws-step.js';

export type { FlowEnv, StepRunner } from './flow-env.js';

export function compileFlow(steps: Step[], env: FlowEnv, prefix = ''): StepRunner {
  const runners = steps.map((s) => compileStep(s, env, prefix));
  if (runners.length === 1) return runners[0] as StepRunner;
  return async (vu, it) => {
    for (const run of runners) {
      // After a hard stop (which also ends think pauses) no further step of the iteration sends anything.
      if (it.aborted || env.isHardStopped()) return;
      await run(vu, it);
    }
  };
}

function compileStep(step: Step, env: FlowEnv, prefix: string): StepRunner {
  const body = compileBody(step, env, prefix);
  const think = step.think ? compileThink(step.think) : undefined;
  const sets = Object.entries(step.set ?? {}).map(([k, v]) => [k, compileTemplate(v)] as const);
  const condition = step.if !== undefined ? compileCondition(step.if) : undefined;
  // No extra async frame for the common step that only has a body.
  if (body && !think && sets.length === 0 && !condition) return body;
  return async (vu, it) => {
    // A step whose condition does not hold is skipped whole: no set, request or think time.
    if (condition && !condition.holds(vu.ctx)) return;
    for (const [name, template] of sets) vu.ctx.vars[name] = template.value(vu.ctx);
    if (body) await body(vu, it);
    // A failed request still pauses: skipping think time would turn a dead target into a busy loop.
    // A hard stop ends the pause (through `live`): a long think must not outlive the scenario; an interrupt
    // (ramp-down deadline) ends it through `it.waiting`, and an interrupted iteration starts none.
    if (think && !env.isHardStopped() && !it.interrupted) await sleepAbortable(think(), env.live, it);
  };
}

function compileBody(step: Step, env: FlowEnv, prefix: string): StepRunner | undefined {
  if (step.request) return compileHttpStep(step, prefix + (step.name ?? defaultStepName(step)), env);
  // WebSocket and PostgreSQL steps refresh before they start; HTTP steps before every attempt.
  if (step.ws) return withRefresh(compileWsStep(step, prefix + (step.name ?? defaultWsStepName(step)), env));
  // Validation requires a name: results are reported per query name.
  if (step.pg) return withRefresh(compilePgStep(step, prefix + (step.name ?? 'pg'), env));
  if (step.grpc)
    return withRefresh(compileGrpcStep(step, prefix + (step.name ?? defaultGrpcStepName(step)), env));
  if (step.choice) return compileChoice(step, env, prefix);
  if (!step.steps) return undefined;
  const inner = compileFlow(step.steps, env, step.group ? `${prefix}${step.group}/` : prefix);
  if (step.loop) {
    const until = compileCondition(step.loop.until);
    const max = step.loop.max;
    return async (vu, it) => {
      for (let i = 0; i < max && !it.aborted && !env.isHardStopped(); i++) {
        await inner(vu, it);
        if (until.holds(vu.ctx)) return;
        if (i % REPEAT_YIELD_EVERY === REPEAT_YIELD_EVERY - 1) await new Promise(setImmediate);
      }
    };
  }
  const times = step.repeat ?? 1;
  if (times === 1) return inner;
  return async (vu, it) => {
    for (let i = 0; i < times && !it.aborted && !env.isHardStopped(); i++) {
      await inner(vu, it);
      if (i % REPEAT_YIELD_EVERY === REPEAT_YIELD_EVERY - 1) await new Promise(setImmediate);
    }
  };
}

/**
 * Yield to timers this often: steps that never wait on I/O (set, quick failures) resolve as microtasks, and
 * a deep repeat of them would otherwise starve the event loop, so no stop, maxDuration or hard stop could run.
 */
const REPEAT_YIELD_EVERY = 1024;

function withRefresh(run: StepRunner): StepRunner {
  return async (vu, it) => {
    const refresh = vu.lifecycle?.beforeRequest;
    if (refresh) await refresh(vu);
    await run(vu, it);
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
