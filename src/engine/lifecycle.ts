/**
 * Per-VU lifecycle: a setup flow once before a VU's first iteration, a refresh flow rerun on a schedule
 * or when a condition holds (checked before every request attempt), and a teardown flow after the
 * scenario. Their steps are reported under `setup/`, `refresh/` and `teardown/`.
 */
import { durationUs } from '../api/duration.js';
import type { LifecycleSpec } from '../api/schema.js';
import { compileFlow } from './flow.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { type CompiledCondition, compileCondition } from './template.js';
import type { IterationState, VU } from './vu.js';

export interface CompiledLifecycle {
  setup(vu: VU): Promise<void>;
  teardown(vu: VU): Promise<void>;
}

function freshIteration(): IterationState {
  return { scheduledAtMs: undefined, failed: false, aborted: false };
}

export function compileLifecycle(
  spec: LifecycleSpec | undefined,
  env: FlowEnv,
  nowMs: () => number,
): CompiledLifecycle | undefined {
  if (!spec) return undefined;
  const setupFlow = spec.setup ? compileFlow(spec.setup, env, 'setup/') : undefined;
  const teardownFlow = spec.teardown ? compileFlow(spec.teardown, env, 'teardown/') : undefined;
  const refresh = spec.refresh ? compileRefresh(spec.refresh, env, nowMs) : undefined;
  const runAs = async (vu: VU, flow: StepRunner) => {
    const state = vu.lifecycle as NonNullable<VU['lifecycle']>;
    state.busy = true;
    try {
      await flow(vu, freshIteration());
    } finally {
      state.busy = false;
    }
  };
  return {
    async setup(vu) {
      vu.lifecycle = {
        setUp: true,
        refreshedAtMs: nowMs(),
        busy: false,
        beforeRequest: refresh,
      };
      if (setupFlow) await runAs(vu, setupFlow);
      vu.lifecycle.refreshedAtMs = nowMs();
    },
    async teardown(vu) {
      if (teardownFlow && vu.lifecycle?.setUp) await runAs(vu, teardownFlow);
    },
  };
}

function compileRefresh(
  spec: NonNullable<LifecycleSpec['refresh']>,
  env: FlowEnv,
  nowMs: () => number,
): (vu: VU) => Promise<void> {
  const flow = compileFlow(spec.steps, env, 'refresh/');
  const everyMs = spec.every ? durationUs(spec.every) / 1000 : Number.POSITIVE_INFINITY;
  const condition: CompiledCondition | undefined = spec.if ? compileCondition(spec.if) : undefined;
  return async (vu) => {
    const state = vu.lifecycle;
    if (!state || state.busy) return;
    const due = nowMs() - state.refreshedAtMs >= everyMs || (condition?.holds(vu.ctx) ?? false);
    if (!due || env.isHardStopped()) return;
    state.busy = true;
    try {
      await flow(vu, freshIteration());
    } finally {
      state.busy = false;
      state.refreshedAtMs = nowMs();
    }
  };
}
