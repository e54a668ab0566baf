import { describe, expect, it } from 'vitest';
import { slotAction } from '../../src/engine/follow-vu-target.js';
import { ScenarioRuntime } from '../../src/engine/scenario-runtime.js';
import { sleepAbortable } from '../../src/engine/timers.js';
import type { IterationState, VU } from '../../src/engine/vu.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';

describe('a ramped-down VU: what its slot needs (slotAction)', () => {
  const armed = () => undefined;
  it('starts a wanted idle VU, leaves a wanted running one alone', () => {
    expect(slotAction(true, false, undefined)).toBe('start');
    expect(slotAction(true, true, undefined)).toBe('none');
  });
  it('arms one deadline for a running VU the target lowered, and only one', () => {
    expect(slotAction(false, true, undefined)).toBe('arm');
    expect(slotAction(false, true, armed)).toBe('none');
    expect(slotAction(false, false, undefined)).toBe('none');
  });
  it('lifts the deadline when the VU is wanted again before it', () => {
    expect(slotAction(true, true, armed)).toBe('disarm');
  });
  it('after an interrupt waits for the loop to return, wanted or not (no second loop on one VU)', () => {
    expect(slotAction(true, true, 'spent')).toBe('none');
    expect(slotAction(false, true, 'spent')).toBe('none');
  });
});

describe('ScenarioRuntime.interrupt', () => {
  const setup = (flow: (vu: VU, it: IterationState) => Promise<void>) => {
    const shard = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
    const recorder = shard.scenario('s', 'ramping-vus', 'closed');
    const rt = new ScenarioRuntime({
      scenario: 's',
      recorder,
      iterationErrors: shard.step('s', '(iteration)', 'closed'),
      flow,
      env: {},
      feeders: new Map(),
      vus: { firstId: 1, firstLane: 0 },
      startMs: performance.now(),
    });
    return { rt, recorder };
  };

  it('counts the iteration as interrupted, not done, ends its pause and its VU loop at once', async () => {
    const live = new Set<{ abort(): void }>();
    let after = false;
    const { rt, recorder } = setup(async (_vu, it) => {
      await sleepAbortable(60_000, live, it);
      if (!it.aborted) after = true;
    });
    const vu = rt.newVU();
    const loop = rt.loopVU(vu, () => true);
    await new Promise((r) => setTimeout(r, 20));
    expect(recorder.activeVUs).toBe(1);
    expect(rt.inFlight).toBe(1);
    rt.interrupt(vu);
    rt.interrupt(vu); // a second call counts nothing
    expect(recorder.interruptedIterations).toBe(1);
    expect(recorder.activeVUs).toBe(0);
    expect(rt.inFlight).toBe(0);
    const ended = await Promise.race([
      loop.then(() => 'ended'),
      new Promise((r) => setTimeout(r, 5_000, 'still running')),
    ]);
    expect(ended).toBe('ended');
    expect(after).toBe(false);
    expect(recorder.iterations).toBe(0);
    expect(recorder.activeVUs).toBe(0);
    expect(live.size).toBe(0);
  });

  it('does nothing to a VU between iterations', async () => {
    const { rt, recorder } = setup(async () => undefined);
    const vu = rt.newVU();
    rt.interrupt(vu);
    await rt.iterate(vu);
    rt.interrupt(vu);
    expect(recorder.interruptedIterations).toBe(0);
    expect(recorder.iterations).toBe(1);
  });
});
