/** Compiles one declarative HTTP step into a function: build request, send, record, check, extract. */
import { durationUs } from '../api/duration.js';
import type { CheckSpec, ExtractorSpec, Step } from '../api/schema.js';
import { classifyError, classifyStatus, type ErrorClass } from '../metrics/error-class.js';
import {
  type HttpRequest,
  type HttpResponse,
  headerValues,
  type RequestHeadCache,
  setCookieValues,
} from '../protocols/http.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileJsonPath, type JsonPath, readJsonPath } from './json-path.js';
import { SCAN_GAVE_UP, scanJsonPath, scannable } from './json-scan.js';
import { type CompiledTemplate, compileTemplate, type TemplateContext } from './template.js';

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
  const templates: CompiledTemplate[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('${')) templates.push(compileTemplate(v));
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(json);
  if (templates.length === 0) {
    const text = JSON.stringify(json);
    return () => text;
  }
  const cache = new Map(templates.map((t) => [t.source, t]));
  const render = (v: unknown, ctx: TemplateContext): unknown => {
    if (typeof v === 'string') return cache.get(v)?.value(ctx) ?? v;
    if (Array.isArray(v)) return v.map((x) => render(x, ctx));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, ctx)]));
    }
    return v;
  };
  return (ctx) => JSON.stringify(render(json, ctx));
}

/** What of the response a check or extractor reads: the client captures only that. */
type Reads = 'body' | 'headers' | 'nothing';

/** The body as JSON, read once per response: a path is scanned for where it can be, else the body is parsed once. */
class JsonBody {
  private parsed: unknown;
  private parsedDone = false;
  constructor(private readonly text: string | undefined) {}

  read(path: JsonPath, scan: boolean): unknown {
    if (scan && !this.parsedDone && this.text !== undefined) {
      const value = scanJsonPath(this.text, path);
      if (value !== SCAN_GAVE_UP) return value;
    }
    return readJsonPath(this.whole(), path);
  }

  private whole(): unknown {
    if (!this.parsedDone) {
      this.parsedDone = true;
      try {
        this.parsed = JSON.parse(this.text ?? '');
      } catch {
        this.parsed = undefined;
      }
    }
    return this.parsed;
  }
}

interface CompiledExtractor {
  name: string;
  describe: string;
  reads: Reads;
  read(response: HttpResponse, json: JsonBody): unknown;
}

function compileExtractor(name: string, spec: ExtractorSpec): CompiledExtractor {
  if (spec.json) {
    const path: JsonPath = compileJsonPath(spec.json);
    const scan = scannable(path);
    return { name, describe: spec.json, reads: 'body', read: (_r, json) => json.read(path, scan) };
  }
  if (spec.header) {
    const lower = spec.header.toLowerCase();
    return {
      name,
      describe: `header ${spec.header}`,
      reads: 'headers',
      read: (r) => headerValues(r.rawHeaders, lower)[0],
    };
  }
  const re = new RegExp(spec.regex as string);
  return {
    name,
    describe: `regex ${spec.regex}`,
    reads: 'body',
    read: (r) => {
      const m = re.exec(r.body ?? '');
      return m ? (m[1] ?? m[0]) : undefined;
    },
  };
}

interface CompiledCheck {
  describe: string;
  reads: Reads;
  passes(response: HttpResponse, json: JsonBody, latencyUs: number): boolean;
}

function compileChecks(spec: CheckSpec | undefined): {
  status: CompiledCheck | undefined;
  others: CompiledCheck[];
} {
  const others: CompiledCheck[] = [];
  let status: CompiledCheck | undefined;
  if (!spec) return { status, others };
  if (spec.status !== undefined || spec.statusIn) {
    const allowed = spec.statusIn ?? [spec.status as number];
    status = {
      describe: `status in [${allowed.join(', ')}]`,
      reads: 'nothing',
      passes: (r) => allowed.includes(r.status),
    };
  }
  if (spec.bodyContains !== undefined) {
    const text = spec.bodyContains;
    others.push({
      describe: `body contains ${JSON.stringify(text)}`,
      reads: 'body',
      passes: (r) => (r.body ?? '').includes(text),
    });
  }
  if (spec.bodyMatches !== undefined) {
    const re = new RegExp(spec.bodyMatches);
    others.push({
      describe: `body matches /${spec.bodyMatches}/`,
      reads: 'body',
      passes: (r) => re.test(r.body ?? ''),
    });
  }
  for (const j of spec.json ?? []) {
    const path = compileJsonPath(j.path);
    const scan = scannable(path);
    const expected = j.equals === undefined ? undefined : JSON.stringify(j.equals);
    const exists = j.exists ?? true;
    others.push({
      describe:
        expected !== undefined ? `${j.path} == ${expected}` : `${j.path} ${exists ? 'exists' : 'absent'}`,
      reads: 'body',
      passes: (_r, json) => {
        const v = json.read(path, scan);
        if (expected !== undefined) return JSON.stringify(v) === expected;
        return (v !== undefined) === exists;
      },
    });
  }
  if (spec.maxDuration) {
    const limitUs = durationUs(spec.maxDuration);
    others.push({
      describe: `duration <= ${spec.maxDuration}`,
      reads: 'nothing',
      passes: (_r, _p, us) => us <= limitUs,
    });
  }
  return { status, others };
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
      captureHeaders,
      head,
    };
  };

  return async (vu, it) => {
    const ctx = vu.ctx;
    const cookie = vu.cookies.header();
    let request: HttpRequest;
    if (isStatic && cookie === undefined) {
      staticRequest ??= buildRequest(ctx, undefined);
      request = staticRequest;
    } else request = buildRequest(ctx, cookie);
    const response = await env.http.send(request, vu.id);
    if (env.isHardStopped()) {
      it.aborted = true;
      return;
    }
    if (response.error) {
      const errorClass = classifyError(response.error);
      recorder.transportError(errorClass, response.error.message || errorClass, response.bytesOut);
      it.failed = it.aborted = true;
      it.scheduledAtMs = undefined;
      return;
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
      if (response.status >= 400) {
        recorder.failure(classifyStatus(response.status) as ErrorClass, `HTTP ${response.status}`);
        it.failed = true;
      }
      return;
    }

    const parsed = new JsonBody(response.body);

    let failClass: ErrorClass | undefined;
    let failMessage = '';
    if (checks.status) {
      const ok = checks.status.passes(response, parsed, latencyUs);
      recorder.check(ok);
      if (!ok) {
        failClass = classifyStatus(response.status) ?? 'check';
        failMessage = `HTTP ${response.status}, expected ${checks.status.describe}`;
      }
    } else if (response.status >= 400) {
      failClass = classifyStatus(response.status);
      failMessage = `HTTP ${response.status}`;
    }
    for (const check of checks.others) {
      const ok = check.passes(response, parsed, latencyUs);
      recorder.check(ok);
      if (!ok && !failClass) {
        failClass = 'check';
        failMessage = `check failed: ${check.describe}`;
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
    if (failClass) {
      recorder.failure(failClass, failMessage);
      it.failed = true;
    }
  };
}
