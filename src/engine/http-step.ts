/**
 * Compiles one declarative HTTP step into a function: build request (http-request.ts), send, judge the
 * answer (http-settle.ts: record, check, extract) and retry.
 */
import { redactUrl } from '../api/redact.js';
import type { Step } from '../api/schema.js';
import { stepMetrics } from '../metrics/custom-metrics.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileChecks, compileExtractor } from './http-checks.js';
import { compileHttpRequest } from './http-request.js';
import { compileSettle } from './http-settle.js';
import { type CompiledRetry, compileRetry } from './retry.js';
import { compileTemplate } from './template.js';
import { sleepAbortable } from './timers.js';

export function defaultStepName(step: Step): string {
  // The name lands in reports and metric labels: no credentials or query values (API keys travel there).
  return `${step.request?.method ?? 'GET'} ${redactUrl(step.request?.url ?? '')}`;
}

export function compileHttpStep(step: Step, name: string, env: FlowEnv): StepRunner {
  const extractors = Object.entries(step.extract ?? {}).map(([n, e]) => compileExtractor(n, e));
  const checks = compileChecks(step.check);
  const request = compileHttpRequest(step, env, {
    captureBody: extractors.some((e) => e.reads === 'body') || checks.others.some((c) => c.reads === 'body'),
    // Set-Cookie headers reach the cookie jar regardless; the rest only when a header is extracted.
    captureHeaders: extractors.some((e) => e.reads === 'headers'),
  });
  const retry = compileRetry(step.retry);
  const recorder = env.recorder(name, env.target.http2 ? 'http2' : 'http');
  const settle = compileSettle({
    name,
    recorder,
    checks,
    extractors,
    retry,
    maxBodyBytes: env.target.maxBodyBytes,
    metrics: stepMetrics(step).map((m) => ({
      value: compileTemplate(m.value),
      recorder: recorder.customMetric(m.name, m.type),
    })),
  });

  return async (vu, it) => {
    const maxRetries = retry?.max ?? 0;
    for (let attempt = 0; ; attempt++) {
      // Only VUs of a scenario with a refresh flow pay for an extra await here.
      const refresh = vu.lifecycle?.beforeRequest;
      if (refresh) await refresh(vu);
      const response = await env.http.send(request(vu), vu.lane);
      if (env.isHardStopped()) {
        it.aborted = true;
        return;
      }
      // An answer that came after the iteration was interrupted is recorded (it was sent and answered), but
      // not retried: nothing after the interrupt is sent.
      if (settle(vu, it, response, attempt < maxRetries) || it.interrupted) return;
      await sleepAbortable((retry as CompiledRetry).backoffMs(attempt), env.live, it);
      if (env.isHardStopped() || it.interrupted) {
        it.aborted = true;
        return;
      }
    }
  };
}
