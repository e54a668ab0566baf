/** Compiles one declarative HTTP step into a function: build request, send, record, check, extract, retry. */
import { durationUs } from '../api/duration.js';
import type { Step } from '../api/schema.js';
import { classifyError, classifyStatus, type ErrorClass } from '../metrics/error-class.js';
import {
  type HttpRequest,
  type HttpResponse,
  type RequestHeadCache,
  setCookieValues,
} from '../protocols/http.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileChecks, compileExtractor, compileJsonValue, JsonBody } from './http-checks.js';
import { type CompiledRetry, compileRetry } from './retry.js';
import { compileTemplate, type LastResult, type TemplateContext } from './template.js';
import { sleepAbortable } from './timers.js';
import type { IterationState, VU } from './vu.js';

type BodyBuilder = (ctx: TemplateContext) => string | undefined;

export function defaultStepName(step: Step): string {
  return `${step.request?.method ?? 'GET'} ${step.request?.url ?? ''}`;
}

/** Splits an absolute URL template into a static origin and a path template. */
function splitUrl(url: string, env: FlowEnv): { origin: string; path: string } {
  const absolute = /^(https?:\/\/[^/]+)(.*)$/.exec(url);
  if (absolute) return { origin: absolute[1] as string, path: absolute[2] || '/' };
  const joined = env.target.basePath.replace(/\/$/, '') + (url.startsWith('/') ? url : `/${url}`);
  return { origin: env.target.origin, path: joined };
}

/** Renders JSON bodies: templates inside string values are evaluated, the rest is stringified once. */
export function compileJsonBody(json: unknown): BodyBuilder {
  const render = compileJsonValue(json);
  if (!render) {
    const text = JSON.stringify(json);
    return () => text;
  }
  return (ctx) => JSON.stringify(render(ctx));
}

// Long: it compiles once everything the per-request closure captures; splitting would pass those through calls
// on the hot path.
export function compileHttpStep(step: Step, name: string, env: FlowEnv): StepRunner {
  const spec = step.request as NonNullable<Step['request']>;
  const method = spec.method ?? (spec.json !== undefined || spec.body !== undefined ? 'POST' : 'GET');
  const { origin, path } = splitUrl(spec.url, env);
  const pathTemplate = compileTemplate(path);
  const query = Object.entries(spec.query ?? {}).map(
    ([k, v]) => [encodeURIComponent(k), compileTemplate(v)] as const,
  );
  const headerSpecs = { ...env.target.headers, ...spec.headers };
  if (spec.json !== undefined && !Object.keys(headerSpecs).some((h) => h.toLowerCase() === 'content-type')) {
    headerSpecs['content-type'] = 'application/json';
  }
  const headerTemplates = Object.entries(headerSpecs).map(([k, v]) => [k, compileTemplate(v)] as const);
  // Static headers first, so the HTTP/1.1 client can serialize them once for the whole step (RequestHeadCache).
  const fixedHeaders = headerTemplates.filter(([, t]) => t.isStatic).flatMap(([k, t]) => [k, t.source]);
  const templatedHeaders = headerTemplates.filter(([, t]) => !t.isStatic);
  const staticHeaders = templatedHeaders.length === 0 ? fixedHeaders : undefined;
  const body: BodyBuilder =
    spec.json !== undefined
      ? compileJsonBody(spec.json)
      : spec.body !== undefined
        ? (
            (t) => (ctx) =>
              t.render(ctx)
          )(compileTemplate(spec.body))
        : () => undefined;
  const timeoutMs = spec.timeout ? durationUs(spec.timeout) / 1000 : env.target.timeoutMs;
  const extractors = Object.entries(step.extract ?? {}).map(([n, e]) => compileExtractor(n, e));
  const checks = compileChecks(step.check);
  const needsBody =
    extractors.some((e) => e.reads === 'body') || checks.others.some((c) => c.reads === 'body');
  const recorder = env.recorder(name, env.target.http2 ? 'http2' : 'http');
  // Most steps have no checks or extraction: they skip body parsing and the check machinery entirely.
  const hasChecks = checks.status !== undefined || checks.others.length > 0 || extractors.length > 0;
  const captureBody = needsBody;
  const maxBodyBytes = env.target.maxBodyBytes;
  // Set-Cookie headers reach the cookie jar regardless; the rest only when a header is extracted.
  const captureHeaders = extractors.some((e) => e.reads === 'headers');
  const bodyIsStatic =
    spec.json !== undefined
      ? !JSON.stringify(spec.json).includes('${')
      : spec.body === undefined || compileTemplate(spec.body).isStatic;
  // Nothing in the request varies: one object is sent every time, so the client can serialize it once.
  const isStatic = pathTemplate.isStatic && query.length === 0 && staticHeaders !== undefined && bodyIsStatic;
  let staticRequest: HttpRequest | undefined;
  // Shared by the step's varying requests: the client serializes the unchanging part of the head once.
  const head: RequestHeadCache = {
    staticPairs: fixedHeaders.length / 2,
    staticLine: pathTemplate.isStatic && query.length === 0,
  };

  const buildRequest = (ctx: TemplateContext, cookie: string | undefined): HttpRequest => {
    let fullPath = pathTemplate.isStatic ? pathTemplate.source : pathTemplate.render(ctx);
    if (query.length) {
      let qs = '';
      for (const [k, t] of query) qs += `${qs ? '&' : ''}${k}=${encodeURIComponent(t.render(ctx))}`;
      fullPath += (fullPath.includes('?') ? '&' : '?') + qs;
    }
    let headers = staticHeaders;
    if (headers === undefined || cookie !== undefined) {
      headers = fixedHeaders.slice();
      for (const [k, t] of templatedHeaders) headers.push(k, t.render(ctx));
      if (cookie !== undefined) headers.push('cookie', cookie);
    }
    return {
      origin,
      path: fullPath,
      method,
      headers,
      body: body(ctx),
      timeoutMs,
      captureBody,
      maxBodyBytes,
      captureHeaders,
      head,
    };
  };

  const retry = compileRetry(step.retry);
  const request = (vu: VU): HttpRequest => {
    const cookie = vu.cookies.header();
    if (!isStatic || cookie !== undefined) return buildRequest(vu.ctx, cookie);
    staticRequest ??= buildRequest(vu.ctx, undefined);
    return staticRequest;
  };

  /**
   * Judges one answer synchronously (so its counters never interleave with another VU's) and records it.
   * Returns false when the answer is to be retried: the attempt then counts as a request with its status
   * and latency, but its failure and checks are not counted; the last attempt decides.
   */
  const settle = (vu: VU, it: IterationState, response: HttpResponse, mayRetry: boolean): boolean => {
    const ctx = vu.ctx;
    if (response.error) {
      const errorClass = classifyError(response.error);
      setLast(ctx.last, name, 0, errorClass);
      it.scheduledAtMs = undefined;
      if (mayRetry && retry?.matches(0, errorClass)) {
        recorder.transportAttempt(response.bytesOut);
        return false;
      }
      recorder.transportError(errorClass, response.error.message || errorClass, response.bytesOut);
      it.failed = it.aborted = true;
      return true;
    }
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
      const failClass = response.status >= 400 ? classifyStatus(response.status) : undefined;
      setLast(ctx.last, name, response.status, failClass ?? '');
      if (mayRetry && retry?.matches(response.status, failClass)) return false;
      if (failClass) {
        recorder.failure(failClass, `HTTP ${response.status}`);
        it.failed = true;
      }
      return true;
    }
    return settleChecked(vu, it, response, latencyUs, mayRetry);
  };

  const settleChecked = (
    vu: VU,
    it: IterationState,
    response: HttpResponse,
    latencyUs: number,
    mayRetry: boolean,
  ): boolean => {
    const ctx = vu.ctx;
    const parsed = new JsonBody(response.body);
    let failClass: ErrorClass | undefined;
    let failMessage = '';
    let passes = 0;
    let fails = 0;
    if (checks.status) {
      const ok = checks.status.passes(response, parsed, latencyUs, ctx);
      if (ok) passes++;
      else {
        fails++;
        failClass = classifyStatus(response.status) ?? 'check';
        failMessage = `HTTP ${response.status}, expected ${checks.status.describe}`;
      }
    } else if (response.status >= 400) {
      failClass = classifyStatus(response.status);
      failMessage = `HTTP ${response.status}`;
    }
    for (const check of checks.others) {
      if (check.passes(response, parsed, latencyUs, ctx)) passes++;
      else {
        fails++;
        if (!failClass) {
          failClass = 'check';
          failMessage = `check failed: ${check.describe}`;
        }
      }
    }
    for (const extractor of extractors) {
      const value = extractor.read(response, parsed);
      ctx.vars[extractor.name] = value;
      if (value === undefined && !failClass) {
        failClass = 'check';
        failMessage = `extract ${extractor.name}: ${extractor.describe} not found`;
      }
    }
    if (failClass === 'check' && response.bodyTruncated) {
      // The check may have failed only because it saw the beginning of the body: say so, in its own class.
      failClass = 'body_too_large';
      failMessage = `${failMessage}: the body (${response.bytesIn} bytes with the head) is larger than spec.target.maxBodyBytes (${maxBodyBytes}); checks and extraction saw only its first ${maxBodyBytes} bytes`;
    }
    setLast(ctx.last, name, response.status, failClass ?? '');
    if (mayRetry && retry?.matches(response.status, failClass)) return false;
    for (let i = 0; i < passes; i++) recorder.check(true);
    for (let i = 0; i < fails; i++) recorder.check(false);
    if (failClass) {
      recorder.failure(failClass, failMessage);
      it.failed = true;
    }
    return true;
  };

  return async (vu, it) => {
    const maxRetries = retry?.max ?? 0;
    for (let attempt = 0; ; attempt++) {
      // Only VUs of a scenario with a refresh flow pay for an extra await here.
      const refresh = vu.lifecycle?.beforeRequest;
      if (refresh) await refresh(vu);
      const response = await env.http.send(request(vu), vu.id);
      if (env.isHardStopped()) {
        it.aborted = true;
        return;
      }
      if (settle(vu, it, response, attempt < maxRetries)) return;
      await sleepAbortable((retry as CompiledRetry).backoffMs(attempt), env.live);
      if (env.isHardStopped()) {
        it.aborted = true;
        return;
      }
    }
  };
}

function setLast(last: LastResult, step: string, status: number, error: string): void {
  last.step = step;
  last.status = status;
  last.ok = error === '';
  last.error = error;
}
