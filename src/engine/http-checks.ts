/** The pure half of an HTTP step: checks and extractors compiled once, judged against each response. */

import { durationUs } from '../api/duration.js';
import type { CheckSpec, ExtractorSpec } from '../api/schema.js';
import { compileUserRegex } from '../api/user-regex.js';
import { type HttpResponse, headerValues } from '../protocols/http.js';
import { compileJsonPath, type JsonPath, readJsonPath } from './json-path.js';
import { type JsonSpan, SCAN, scanJsonSpan, scannable, spanValue } from './json-scan.js';
import { type CompiledTemplate, compileTemplate, looseEquals, type TemplateContext } from './template.js';

/**
 * The body as JSON, read once per response: a path is scanned for where it can be, else the body is parsed
 * once. One per compiled step, reset for each response (judging is synchronous).
 */
export class JsonBody {
  private text: string | undefined;
  private parsed: unknown;
  private parsedDone = false;
  private readonly span: JsonSpan = { start: 0, end: 0 };

  constructor(text?: string) {
    this.text = text;
  }

  reset(text: string | undefined): void {
    this.text = text;
    this.parsed = undefined;
    this.parsedDone = false;
  }

  read(path: JsonPath, scan: boolean): unknown {
    if (scan && !this.parsedDone && this.text !== undefined) {
      const outcome = scanJsonSpan(this.text, path, this.span);
      if (outcome === SCAN.found) return spanValue(this.text, this.span);
      if (outcome === SCAN.absent) return undefined;
    }
    return readJsonPath(this.whole(), path);
  }

  /** JSON.stringify(read(path, scan)) === expected, without parsing a found value whose text is `expected`. */
  equals(path: JsonPath, scan: boolean, expected: string): boolean {
    const text = this.text;
    if (scan && !this.parsedDone && text !== undefined) {
      const span = this.span;
      const outcome = scanJsonSpan(text, path, span);
      if (outcome === SCAN.found) {
        // JSON.stringify's text parses back to a value it prints the same way: equal text, equal values.
        if (span.end - span.start === expected.length && text.startsWith(expected, span.start)) return true;
        return JSON.stringify(spanValue(text, span)) === expected;
      }
      if (outcome === SCAN.absent) return JSON.stringify(undefined) === expected;
    }
    return JSON.stringify(readJsonPath(this.whole(), path)) === expected;
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

/** What of the response a check or extractor reads: the client captures only that. */
export type Reads = 'body' | 'headers' | 'nothing';

export interface CompiledExtractor {
  name: string;
  describe: string;
  reads: Reads;
  read(response: HttpResponse, json: JsonBody): unknown;
}

export function compileExtractor(name: string, spec: ExtractorSpec): CompiledExtractor {
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
  const re = compileUserRegex(spec.regex as string);
  return {
    name,
    describe: `regex ${spec.regex}`,
    reads: 'body',
    read: (r) => re.firstGroup(r.body ?? ''),
  };
}

export interface CompiledCheck {
  describe: string;
  reads: Reads;
  passes(response: HttpResponse, json: JsonBody, latencyUs: number, ctx: TemplateContext): boolean;
}

/** Renders any JSON value whose strings may hold templates; a one-expression template keeps its type. */
export function compileJsonValue(json: unknown): ((ctx: TemplateContext) => unknown) | undefined {
  const cache = new Map<string, CompiledTemplate>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('${')) cache.set(v, compileTemplate(v));
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(json);
  if (cache.size === 0) return undefined;
  const render = (v: unknown, ctx: TemplateContext): unknown => {
    if (typeof v === 'string') return cache.has(v) ? cache.get(v)?.value(ctx) : v;
    if (Array.isArray(v)) return v.map((x) => render(x, ctx));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, ctx)]));
    }
    return v;
  };
  return (ctx) => render(json, ctx);
}

function jsonCheck(j: NonNullable<CheckSpec['json']>[number]): CompiledCheck {
  const path = compileJsonPath(j.path);
  const scan = scannable(path);
  if (j.equals === undefined) {
    const exists = j.exists ?? true;
    return {
      describe: `${j.path} ${exists ? 'exists' : 'absent'}`,
      reads: 'body',
      passes: (_r, json) => (json.read(path, scan) !== undefined) === exists,
    };
  }
  const expected = JSON.stringify(j.equals);
  const templated = compileJsonValue(j.equals);
  if (!templated) {
    return {
      describe: `${j.path} == ${expected}`,
      reads: 'body',
      passes: (_r, json) => json.equals(path, scan, expected),
    };
  }
  // A templated value is rendered per request; feeder fields are text, so scalars compare by their text.
  return {
    describe: `${j.path} == ${expected}`,
    reads: 'body',
    passes: (_r, json, _us, ctx) => looseEquals(json.read(path, scan), templated(ctx)),
  };
}

export function compileChecks(spec: CheckSpec | undefined): {
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
    const text = compileTemplate(spec.bodyContains);
    others.push({
      describe: `body contains ${JSON.stringify(spec.bodyContains)}`,
      reads: 'body',
      passes: text.isStatic
        ? (r) => (r.body ?? '').includes(text.source)
        : (r, _p, _us, ctx) => (r.body ?? '').includes(text.render(ctx)),
    });
  }
  if (spec.bodyMatches !== undefined) {
    const re = compileUserRegex(spec.bodyMatches);
    others.push({
      describe: `body matches /${spec.bodyMatches}/`,
      reads: 'body',
      passes: (r) => re.test(r.body ?? ''),
    });
  }
  for (const j of spec.json ?? []) others.push(jsonCheck(j));
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
