/** A WebSocket step's message (text, JSON or base64 binary, templated) and how its reply is recognised. */
import type { WsExpectSpec, WsMessageSpec } from '../api/schema.js';
import { compileJsonBody } from './http-request.js';
import { compileJsonPath, readJsonPath } from './json-path.js';
import { compileTemplate, type TemplateContext } from './template.js';

export interface ReplyMatcher {
  describe: string;
  matches(data: Buffer, parsed: unknown): boolean;
}

export function compileMessage(spec: WsMessageSpec): (ctx: TemplateContext) => string | Buffer {
  if (spec.json !== undefined) {
    const body = compileJsonBody(spec.json);
    return (ctx) => body(ctx) as string;
  }
  if (spec.binary !== undefined) {
    const t = compileTemplate(spec.binary);
    if (t.isStatic) {
      const bytes = Buffer.from(spec.binary, 'base64');
      return () => bytes;
    }
    return (ctx) => Buffer.from(t.render(ctx), 'base64');
  }
  const t = compileTemplate(spec.text ?? '');
  return t.isStatic ? () => t.source : (ctx) => t.render(ctx);
}

export function compileExpect(spec: WsExpectSpec): ReplyMatcher {
  if (spec.text !== undefined) {
    const expected = Buffer.from(spec.text);
    return {
      describe: `text ${JSON.stringify(spec.text)}`,
      matches: (data) => data.length === expected.length && data.equals(expected),
    };
  }
  if (spec.json) {
    const path = compileJsonPath(spec.json.path);
    const expected = spec.json.equals === undefined ? undefined : JSON.stringify(spec.json.equals);
    const exists = spec.json.exists ?? true;
    return {
      describe:
        expected !== undefined
          ? `${spec.json.path} == ${expected}`
          : `${spec.json.path} ${exists ? 'exists' : 'absent'}`,
      matches: (_data, parsed) => {
        const v = readJsonPath(parsed, path);
        return expected !== undefined ? JSON.stringify(v) === expected : (v !== undefined) === exists;
      },
    };
  }
  return { describe: 'any message', matches: () => true };
}
