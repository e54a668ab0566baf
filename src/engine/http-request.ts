/** The request half of an HTTP step: URL, query, headers and body compiled once, rendered per request. */
import { durationUs } from '../api/duration.js';
import type { Step } from '../api/schema.js';
import type { HttpRequest, RequestHeadCache } from '../protocols/http.js';
import type { FlowEnv } from './flow-env.js';
import { compileJsonValue } from './http-checks.js';
import { type CompiledTemplate, compileTemplate, type TemplateContext } from './template.js';
import type { VU } from './vu.js';

type BodyBuilder = (ctx: TemplateContext) => string | undefined;

/** What of the response the step's checks and extractors read: the client captures only that. */
export interface ResponseNeeds {
  captureBody: boolean;
  captureHeaders: boolean;
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

/** The body builder; `template` is the text body's template (a JSON body has none). */
interface CompiledBody {
  build: BodyBuilder;
  isStatic: boolean;
  template?: CompiledTemplate;
}

function compileBody(spec: NonNullable<Step['request']>): CompiledBody {
  if (spec.json !== undefined)
    return { build: compileJsonBody(spec.json), isStatic: !JSON.stringify(spec.json).includes('${') };
  if (spec.body === undefined) return { build: () => undefined, isStatic: true };
  const template = compileTemplate(spec.body);
  return { build: (ctx) => template.render(ctx), isStatic: template.isStatic, template };
}

type HeaderTemplates = (readonly [string, CompiledTemplate])[];

function compileHeaders(spec: NonNullable<Step['request']>, env: FlowEnv): HeaderTemplates {
  const headerSpecs = { ...env.target.headers, ...spec.headers };
  if (spec.json !== undefined && !Object.keys(headerSpecs).some((h) => h.toLowerCase() === 'content-type')) {
    headerSpecs['content-type'] = 'application/json';
  }
  return Object.entries(headerSpecs).map(([k, v]) => [k, compileTemplate(v)] as const);
}

/** Compiles the step's request; the returned function gives the request a VU sends next. */
export function compileHttpRequest(step: Step, env: FlowEnv, needs: ResponseNeeds): (vu: VU) => HttpRequest {
  const spec = step.request as NonNullable<Step['request']>;
  const method = spec.method ?? (spec.json !== undefined || spec.body !== undefined ? 'POST' : 'GET');
  const { origin, path } = splitUrl(spec.url, env);
  const pathTemplate = compileTemplate(path);
  const query = Object.entries(spec.query ?? {}).map(
    ([k, v]) => [encodeURIComponent(k), compileTemplate(v)] as const,
  );
  const headerTemplates = compileHeaders(spec, env);
  // Static headers first, so the HTTP/1.1 client can serialize them once for the whole step (RequestHeadCache).
  const fixedHeaders = headerTemplates.filter(([, t]) => t.isStatic).flatMap(([k, t]) => [k, t.source]);
  const templatedHeaders = headerTemplates.filter(([, t]) => !t.isStatic);
  const staticHeaders = templatedHeaders.length === 0 ? fixedHeaders : undefined;
  const body = compileBody(spec);
  const timeoutMs = spec.timeout ? durationUs(spec.timeout) / 1000 : env.target.timeoutMs;
  const maxBodyBytes = env.target.maxBodyBytes;
  // Nothing in the request varies: one object is sent every time, so the client can serialize it once.
  const isStatic =
    pathTemplate.isStatic && query.length === 0 && staticHeaders !== undefined && body.isStatic;
  let staticRequest: HttpRequest | undefined;
  // Shared by the step's varying requests: the client serializes the unchanging part of the head once.
  const head: RequestHeadCache = {
    staticPairs: fixedHeaders.length / 2,
    staticLine: pathTemplate.isStatic && query.length === 0,
  };

  const buildRequest = (ctx: TemplateContext, cookie: string | undefined, resent = false): HttpRequest => {
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
      body: body.build(ctx),
      timeoutMs,
      captureBody: needs.captureBody,
      maxBodyBytes,
      captureHeaders: needs.captureHeaders,
      head,
      resent,
    };
  };

  // A template that calls a function (`${uuid()}`) renders anew for every request; otherwise a VU resends
  // its last request while what the templates read and its cookies stay the same.
  const templates = [pathTemplate, ...query.map(([, t]) => t), ...templatedHeaders.map(([, t]) => t)];
  if (body.template) templates.push(body.template);
  const varying = templates.filter((t) => !t.isStatic);
  const resend =
    (body.isStatic || body.template) && varying.every((t) => t.readInputs)
      ? perVuResend(varying, buildRequest)
      : (vu: VU, cookie: string | undefined) => buildRequest(vu.ctx, cookie);
  return (vu) => {
    const cookie = vu.cookies.header();
    if (!isStatic || cookie !== undefined) return resend(vu, cookie);
    staticRequest ??= buildRequest(vu.ctx, undefined, true);
    return staticRequest;
  };
}

/** What a VU sent last on one step: the values its templates read, its cookie header, and the request. */
interface SentLast {
  inputs: unknown[];
  cookie: string | undefined;
  request: HttpRequest | undefined;
}

/**
 * The request a VU sent last on this step, sent again while nothing it was built from changed: the
 * HTTP/1.1 client then reuses its serialized bytes (HttpRequest.wire) instead of rendering the templated
 * header and serializing the head again. `templates` all have readInputs.
 */
function perVuResend(
  templates: CompiledTemplate[],
  build: (ctx: TemplateContext, cookie: string | undefined, resent: boolean) => HttpRequest,
): (vu: VU, cookie: string | undefined) => HttpRequest {
  const readers = templates.map((t) => t.readInputs as NonNullable<CompiledTemplate['readInputs']>);
  const offsets: number[] = [];
  let width = 0;
  for (const t of templates) {
    offsets.push(width);
    width += t.references.length;
  }
  // By VU id: a step's VUs are few and live as long as its scenario.
  const byVu = new Map<number, SentLast>();
  return (vu, cookie) => {
    let last = byVu.get(vu.id);
    if (last === undefined) {
      last = { inputs: new Array(width), cookie: undefined, request: undefined };
      byVu.set(vu.id, last);
    }
    let changed = last.request === undefined || cookie !== last.cookie;
    // Every reader runs, even after a change is seen: each records what it read for the next comparison.
    for (let i = 0; i < readers.length; i++) {
      if ((readers[i] as (typeof readers)[number])(vu.ctx, last.inputs, offsets[i] as number)) changed = true;
    }
    if (changed) {
      last.cookie = cookie;
      last.request = build(vu.ctx, cookie, true);
    }
    return last.request as HttpRequest;
  };
}
