/**
 * The answer half of an HTTP step: each response (or transport error) is judged synchronously (so its
 * counters never interleave with another VU's), recorded, checked and extracted from.
 */

import type { CustomMetricRecorder } from '../metrics/custom-metrics.js';
import {
  classifyError,
  classifyStatus,
  type ErrorClass,
  isResponseTimeout,
  isValidStatus,
} from '../metrics/error-class.js';
import type { StepRecorder } from '../metrics/recorder.js';
import { type HttpResponse, setCookieValues } from '../protocols/http.js';
import { type CompiledExtractor, type compileChecks, JsonBody } from './http-checks.js';
import type { CompiledRetry } from './retry.js';
import type { CompiledTemplate, LastResult, TemplateContext } from './template.js';
import type { IterationState, VU } from './vu.js';

type CompiledChecks = ReturnType<typeof compileChecks>;

/** What settling needs of its step, compiled once. */
export interface SettleParts {
  name: string;
  recorder: StepRecorder;
  checks: CompiledChecks;
  extractors: CompiledExtractor[];
  retry: CompiledRetry | undefined;
  maxBodyBytes: number;
  /** The step's custom metrics: each value rendered once per settled response. */
  metrics: CompiledMetric[];
}

export interface CompiledMetric {
  value: CompiledTemplate;
  recorder: CustomMetricRecorder;
}

/** What a failing status says in the error samples; an invalid one says why it is no status at all. */
function statusMessage(status: number): string {
  return isValidStatus(status)
    ? `HTTP ${status}`
    : `HTTP ${status}: not a valid status code (RFC 9110 defines 100..599)`;
}

/** After checks and extraction, so a value may read what this response set (`vars.x`, `last.status`). */
function recordMetrics(metrics: readonly CompiledMetric[], ctx: TemplateContext): void {
  for (const m of metrics) m.recorder.add(m.value.isStatic ? m.value.source : m.value.value(ctx));
}

/** A step's verdict on one answer: checks passed and failed, and the first failure with its message. */
interface Verdict {
  passes: number;
  fails: number;
  failClass: ErrorClass | undefined;
  failMessage: string;
}

/**
 * Returns false when the answer is to be retried: the attempt then counts as a request with its status
 * and latency, but its failure and checks are not counted; the last attempt decides.
 */
export type Settle = (vu: VU, it: IterationState, response: HttpResponse, mayRetry: boolean) => boolean;

/** Reused for every response of a step: judging one is synchronous, so the next never meets it in use. */
interface Reused {
  json: JsonBody;
  verdict: Verdict;
}

export function compileSettle(settleParts: SettleParts): Settle {
  const parts: SettleParts & Reused = {
    ...settleParts,
    json: new JsonBody(),
    verdict: { passes: 0, fails: 0, failClass: undefined, failMessage: '' },
  };
  const { name, recorder, checks, extractors, retry, metrics } = parts;
  // Most steps have no checks or extraction: they skip body parsing and the check machinery entirely.
  const hasChecks = checks.status !== undefined || checks.others.length > 0 || extractors.length > 0;
  return (vu, it, response, mayRetry) => {
    const ctx = vu.ctx;
    if (response.error) return settleError(parts, it, ctx.last, response, mayRetry);
    const startMs = it.scheduledAtMs ?? response.sentAtMs;
    it.scheduledAtMs = undefined;
    const latencyUs = (response.doneAtMs - startMs) * 1000;
    recorder.response(
      latencyUs,
      (response.doneAtMs - response.sentAtMs) * 1000,
      response.status,
      response.bytesIn,
      response.bytesOut,
    );
    const setCookies = setCookieValues(response.rawHeaders);
    if (setCookies) for (const setCookie of setCookies) vu.cookies.store(setCookie);
    if (!hasChecks) {
      // The common case allocates nothing: the status alone decides.
      const failClass = classifyStatus(response.status);
      setLast(ctx.last, name, response.status, failClass ?? '');
      if (mayRetry && retry?.matches(response.status, failClass)) return false;
      if (metrics.length) recordMetrics(metrics, ctx);
      if (failClass) {
        recorder.failure(failClass, statusMessage(response.status));
        it.failed = true;
      }
      return true;
    }
    const verdict = judge(parts, ctx, response, latencyUs);
    setLast(ctx.last, name, response.status, verdict.failClass ?? '');
    if (mayRetry && retry?.matches(response.status, verdict.failClass)) return false;
    if (metrics.length) recordMetrics(metrics, ctx);
    for (let i = 0; i < verdict.passes; i++) recorder.check(true);
    for (let i = 0; i < verdict.fails; i++) recorder.check(false);
    if (verdict.failClass) {
      recorder.failure(verdict.failClass, verdict.failMessage);
      it.failed = true;
    }
    return true;
  };
}

/**
 * A request with no answer. A timed-out one is a latency too (timed as answers are, from the scheduled
 * start in open models); a refused or reset one is not, as its fraction of a millisecond would make a dead
 * target look fast. Either way it is a request, and a failure unless it is retried.
 */
function settleError(
  parts: SettleParts,
  it: IterationState,
  last: LastResult,
  response: HttpResponse,
  mayRetry: boolean,
): boolean {
  const { name, recorder, retry } = parts;
  const error = response.error as Error;
  const errorClass = classifyError(error);
  setLast(last, name, 0, errorClass);
  const startMs = it.scheduledAtMs ?? response.sentAtMs;
  it.scheduledAtMs = undefined;
  if (isResponseTimeout(error)) {
    const serviceUs = (response.doneAtMs - response.sentAtMs) * 1000;
    recorder.timedOut((response.doneAtMs - startMs) * 1000, serviceUs, response.bytesOut);
  } else recorder.transportAttempt(response.bytesOut);
  if (mayRetry && retry?.matches(0, errorClass)) return false;
  recorder.failure(errorClass, error.message || errorClass);
  it.failed = it.aborted = true;
  return true;
}

/** Runs the checks and extractors on a response; extracted values land in the VU's variables. */
function judge(
  parts: SettleParts & Reused,
  ctx: TemplateContext,
  response: HttpResponse,
  latencyUs: number,
): Verdict {
  const { checks, extractors, maxBodyBytes } = parts;
  const parsed = parts.json;
  parsed.reset(response.body);
  const v = parts.verdict;
  v.passes = 0;
  v.fails = 0;
  v.failClass = undefined;
  v.failMessage = '';
  if (checks.status) {
    if (checks.status.passes(response, parsed, latencyUs, ctx)) v.passes++;
    else {
      v.fails++;
      v.failClass = classifyStatus(response.status) ?? 'check';
      v.failMessage = `HTTP ${response.status}, expected ${checks.status.describe}`;
    }
  } else {
    v.failClass = classifyStatus(response.status);
    if (v.failClass) v.failMessage = statusMessage(response.status);
  }
  for (const check of checks.others) {
    if (check.passes(response, parsed, latencyUs, ctx)) v.passes++;
    else {
      v.fails++;
      if (!v.failClass) {
        v.failClass = 'check';
        v.failMessage = `check failed: ${check.describe}`;
      }
    }
  }
  for (const extractor of extractors) {
    const value = extractor.read(response, parsed);
    ctx.vars[extractor.name] = value;
    if (value === undefined && !v.failClass) {
      v.failClass = 'check';
      v.failMessage = `extract ${extractor.name}: ${extractor.describe} not found`;
    }
  }
  parsed.reset(undefined); // keep no body alive between responses
  if (v.failClass === 'check' && response.bodyTruncated) {
    // The check may have failed only because it saw the beginning of the body: say so, in its own class.
    v.failClass = 'body_too_large';
    v.failMessage = `${v.failMessage}: the body (${response.bytesIn} bytes with the head) is larger than spec.target.maxBodyBytes (${maxBodyBytes}); checks and extraction saw only its first ${maxBodyBytes} bytes`;
  }
  return v;
}

function setLast(last: LastResult, step: string, status: number, error: string): void {
  last.step = step;
  last.status = status;
  last.ok = error === '';
  last.error = error;
}
