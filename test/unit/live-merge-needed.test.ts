import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { liveMergeNeeded } from '../../src/local/live-merge.js';
import { compileThresholds } from '../../src/metrics/thresholds.js';

const WHOLE = { index: 0, total: 1 };
const flow = [{ request: { url: '/' } }];
const open = EXECUTOR_REGISTRY['constant-arrival-rate'].plan(
  'open',
  {
    executor: 'constant-arrival-rate',
    rate: 200,
    duration: '10s',
    preAllocatedVUs: 10,
    flow,
  } as unknown as Scenario,
  WHOLE,
);
const breakpoint = (stopWhen?: string[]) =>
  EXECUTOR_REGISTRY.breakpoint.plan(
    'search',
    {
      executor: 'breakpoint',
      levels: { unit: 'vus', start: 10, step: 10, max: 40, duration: '3s' },
      ...(stopWhen ? { stopWhen } : {}),
      flow,
    } as unknown as Scenario,
    WHOLE,
  );

describe('the local run merges live only when something reads the merge', () => {
  it('a quiet run with plain thresholds and no stepping merges only at the end', () => {
    const thresholds = compileThresholds({ http_req_duration: ['p(95)<500ms'] });
    expect(liveMergeNeeded({ plans: [open, breakpoint()], thresholds })).toBe(false);
  });

  it('progress output, an abortOnFail threshold or stopWhen each need the live merge', () => {
    const plain = compileThresholds({ http_req_duration: ['p(95)<500ms'] });
    const aborting = compileThresholds({
      http_req_duration: [{ threshold: 'p(95)<500ms', abortOnFail: true }],
    });
    expect(liveMergeNeeded({ plans: [open], thresholds: plain, onLive: () => undefined })).toBe(true);
    expect(liveMergeNeeded({ plans: [open], thresholds: aborting })).toBe(true);
    expect(liveMergeNeeded({ plans: [breakpoint(['p(95)>100ms'])], thresholds: plain })).toBe(true);
  });
});
