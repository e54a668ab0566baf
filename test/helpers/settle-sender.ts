/**
 * Requests settled through the real settle path (compileSettle into a StepRecorder) without a network: each
 * call is one answer (status 200) or one error after `doneAfterMs`, as the HTTP step would hand it over.
 */
import { compileChecks } from '../../src/engine/http-checks.js';
import { compileSettle } from '../../src/engine/http-settle.js';
import { createVU } from '../../src/engine/vu.js';
import type { StepRecorder } from '../../src/metrics/recorder.js';
import { pendingResponse } from '../../src/protocols/http-types.js';

export function settleSender(recorder: StepRecorder, scenario: string) {
  const settle = compileSettle({
    name: 'get',
    recorder,
    checks: compileChecks(undefined),
    extractors: [],
    retry: undefined,
    maxBodyBytes: 1024,
    metrics: [],
  });
  const vu = createVU(0, 0, scenario, {});
  return (doneAfterMs: number, error?: Error): void => {
    const response = pendingResponse();
    response.sentAtMs = 1000;
    response.doneAtMs = 1000 + doneAfterMs;
    if (error) response.error = error;
    else response.status = 200;
    settle(vu, { scheduledAtMs: undefined, failed: false, aborted: false }, response, false);
  };
}

/** A connection the target refused, as Node reports it. */
export const refusedError = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
