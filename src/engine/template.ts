/**
 * `${...}` templates. A tiny expression language, parsed once per template and evaluated per use:
 * paths (`vu`, `iteration`, `scenario`, `env.X`, `vars.x`, `data.feeder.field`), literals and calls to a fixed
 * set of functions. There is no `eval` and no access to anything but the context passed in.
 */
import { randomUUID } from 'node:crypto';

export interface TemplateContext {
  vu: number;
  iteration: number;
  scenario: string;
  env: Record<string, string>;
  vars: Record<string, unknown>;
  data: Record<string, Record<string, unknown>>;
}

export const TEMPLATE_ROOTS = ['vu', 'iteration', 'scenario', 'env', 'vars', 'data'] as const;

type Node =
  | { kind: 'literal'; value: string | number }
  | { kind: 'path'; root: string; keys: (string | number)[] }
  | { kind: 'call'; name: string; args: Node[] };

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...args: unknown[]) => unknown }> = {
  randomInt: {
    arity: [2, 2],
    fn: (min, max) => {
      const lo = Math.ceil(Number(min));
      return lo + Math.floor(Math.random() * (Math.floor(Number(max)) - lo + 1));
    },
  },
  randomString: {
    arity: [1, 1],
    fn: (length) => {
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = 0; i < Number(length); i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      return s;
    },
  },
  randomItem: { arity: [1, 64], fn: (...items) => items[Math.floor(Math.random() * items.length)] },
  uuid: { arity: [0, 0], fn: () => randomUUID() },
  now: { arity: [0, 0], fn: () => Date.now() },
};
export const TEMPLATE_FUNCTIONS = Object.keys(FUNCTIONS);

export class TemplateError extends Error {
  readonly code = 'TEMPLATE_SYNTAX';
}

export interface CompiledTemplate {
  /** True when the text has no `${...}`; render then returns the text unchanged. */
  readonly isStatic: boolean;
  readonly source: string;
  render(ctx: TemplateContext): string;
  /** Evaluates a template that is exactly one expression, keeping its type (for JSON bodies). */
  value(ctx: TemplateContext): unknown;
  /** The paths the template reads, e.g. `vars.token`, for static checks. */
  readonly references: { root: string; keys: (string | number)[] }[];
}

export function compileTemplate(source: string): CompiledTemplate {
  const parts: (string | Node)[] = [];
  let i = 0;
  let literal = '';
  while (i < source.length) {
    if (source.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (source.startsWith('${', i)) {
      const end = findClose(source, i + 2);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseExpression(source.slice(i + 2, end)));
      i = end + 1;
    } else {
      literal += source[i];
      i++;
    }
  }
  if (literal) parts.push(literal);
  const nodes = parts.filter((p): p is Node => typeof p !== 'string');
  const references: CompiledTemplate['references'] = [];
  nodes.forEach((n) => collectPaths(n, references));
  const single = parts.length === 1 && typeof parts[0] !== 'string' ? (parts[0] as Node) : undefined;
  return {
    isStatic: nodes.length === 0,
    source,
    references,
    render: (ctx) => {
      let out = '';
      for (const part of parts) out += typeof part === 'string' ? part : stringify(evaluate(part, ctx));
      return out;
    },
    value: (ctx) => (single ? evaluate(single, ctx) : renderParts(parts, ctx)),
  };
}

function renderParts(parts: (string | Node)[], ctx: TemplateContext): string {
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : stringify(evaluate(part, ctx));
  return out;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function findClose(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  throw new TemplateError(`unclosed "\${" in ${JSON.stringify(source)}`);
}

function collectPaths(node: Node, out: CompiledTemplate['references']): void {
  if (node.kind === 'path') out.push({ root: node.root, keys: node.keys });
  if (node.kind === 'call') node.args.forEach((a) => collectPaths(a, out));
}

function evaluate(node: Node, ctx: TemplateContext): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'call':
      return (FUNCTIONS[node.name] as (typeof FUNCTIONS)[string]).fn(
        ...node.args.map((a) => evaluate(a, ctx)),
      );
    case 'path': {
      let value: unknown = (ctx as unknown as Record<string, unknown>)[node.root];
      for (const key of node.keys) {
        if (value === null || value === undefined) return undefined;
        value = (value as Record<string | number, unknown>)[key];
      }
      return value;
    }
  }
}

// --- parser -------------------------------------------------------------------------------------------

const TOKEN_RE = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(-?[0-9]+(?:\.[0-9]+)?)|'([^']*)'|"([^"]*)"|([.,()[\]]))/y;

type Token = { type: 'ident' | 'number' | 'string' | 'punct'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  while (pos < expr.length) {
    if (/^\s*$/.test(expr.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(expr);
    if (!m) throw new TemplateError(`unexpected ${JSON.stringify(expr.slice(pos).trim())} in \${${expr}}`);
    if (m[1] !== undefined) tokens.push({ type: 'ident', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ type: 'number', text: m[2] });
    else if (m[3] !== undefined || m[4] !== undefined)
      tokens.push({ type: 'string', text: (m[3] ?? m[4]) as string });
    else tokens.push({ type: 'punct', text: m[5] as string });
    pos = TOKEN_RE.lastIndex;
  }
  return tokens;
}

function parseExpression(expr: string): Node {
  const tokens = tokenize(expr);
  if (tokens.length === 0) throw new TemplateError('empty ${} expression');
  let i = 0;
  const peek = () => tokens[i];
  const expect = (text: string) => {
    if (tokens[i]?.text !== text) throw new TemplateError(`expected "${text}" in \${${expr}}`);
    i++;
  };
  const parseNode = (): Node => {
    const t = tokens[i++];
    if (!t) throw new TemplateError(`unexpected end of \${${expr}}`);
    if (t.type === 'number') return { kind: 'literal', value: Number(t.text) };
    if (t.type === 'string') return { kind: 'literal', value: t.text };
    if (t.type !== 'ident') throw new TemplateError(`unexpected "${t.text}" in \${${expr}}`);
    if (peek()?.text === '(') {
      i++;
      const args: Node[] = [];
      while (peek()?.text !== ')') {
        args.push(parseNode());
        if (peek()?.text === ',') i++;
        else if (peek()?.text !== ')') throw new TemplateError(`expected "," or ")" in \${${expr}}`);
      }
      expect(')');
      const fn = FUNCTIONS[t.text];
      if (!fn)
        throw new TemplateError(`unknown function ${t.text}(); allowed: ${TEMPLATE_FUNCTIONS.join(', ')}`);
      if (args.length < fn.arity[0] || args.length > fn.arity[1]) {
        throw new TemplateError(`${t.text}() takes ${fn.arity.join(' to ')} arguments, got ${args.length}`);
      }
      return { kind: 'call', name: t.text, args };
    }
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(t.text)) {
      throw new TemplateError(
        `unknown name "${t.text}" in \${${expr}}; use one of ${TEMPLATE_ROOTS.join(', ')}`,
      );
    }
    const keys: (string | number)[] = [];
    while (peek()?.text === '.' || peek()?.text === '[') {
      const op = tokens[i++] as Token;
      const key = tokens[i++];
      if (!key) throw new TemplateError(`unexpected end of \${${expr}}`);
      if (op.text === '.') {
        if (key.type !== 'ident') throw new TemplateError(`expected a name after "." in \${${expr}}`);
        keys.push(key.text);
      } else {
        if (key.type !== 'number' && key.type !== 'string')
          throw new TemplateError(`bad index in \${${expr}}`);
        keys.push(key.type === 'number' ? Number(key.text) : key.text);
        expect(']');
      }
    }
    return { kind: 'path', root: t.text, keys };
  };
  const node = parseNode();
  if (i < tokens.length) throw new TemplateError(`unexpected "${tokens[i]?.text}" in \${${expr}}`);
  return node;
}
