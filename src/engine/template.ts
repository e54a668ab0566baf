/**
 * `${...}` templates. A tiny expression language, parsed once per template and evaluated per use:
 * paths (`vu`, `iteration`, `scenario`, `env.X`, `vars.x`, `data.feeder.field`, `last.status`), literals,
 * calls to a fixed set of functions, comparisons (`== != < <= > >=`) and logic (`&& || !`, parentheses) for
 * step conditions. There is no `eval` and no access to anything but the context passed in.
 */
import { FUNCTIONS, TEMPLATE_FUNCTIONS, TemplateError } from './template-functions.js';

export interface TemplateContext {
  vu: number;
  iteration: number;
  scenario: string;
  env: Record<string, string>;
  vars: Record<string, unknown>;
  data: Record<string, Record<string, unknown>>;
  /** The VU's last request step: what `if`, `loop.until` and `refresh.if` conditions read. */
  last?: LastResult;
}

export interface LastResult {
  /** Step name ('' before the first step). */
  step: string;
  /** HTTP status; 0 when there was no response. */
  status: number;
  /** The step passed: no failing status, check or extraction. */
  ok: boolean;
  /** Error class of a failed step (http_4xx, timeout, check, ...); '' when it passed. */
  error: string;
}

export const TEMPLATE_ROOTS = ['vu', 'iteration', 'scenario', 'env', 'vars', 'data', 'last'] as const;

type Literal = string | number | boolean | null;
type BinaryOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

type Node =
  | { kind: 'literal'; value: Literal }
  | { kind: 'path'; root: string; keys: (string | number)[] }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node };

export interface CompiledTemplate {
  /** True when the text has no `${...}`; render then returns the text unchanged. */
  readonly isStatic: boolean;
  readonly source: string;
  render(ctx: TemplateContext): string;
  /** Evaluates a template that is exactly one expression, keeping its type (for JSON bodies). */
  value(ctx: TemplateContext): unknown;
  /** The paths the template reads, e.g. `vars.token`, for static checks. */
  readonly references: { root: string; keys: (string | number)[] }[];
  /**
   * Present when the text depends only on the values at its paths (no function call such as `uuid()`):
   * reads those values into `seen[at..]` and returns true when any differs from what was there, so a caller
   * can keep what it built from the last rendering. An object value always counts as changed (it may have
   * been changed in place).
   */
  readonly readInputs?: (ctx: TemplateContext, seen: unknown[], at: number) => boolean;
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
  const pure = !nodes.some(hasCall);
  return {
    isStatic: nodes.length === 0,
    source,
    references,
    ...(pure ? { readInputs: inputReader(references) } : {}),
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

function hasCall(node: Node): boolean {
  if (node.kind === 'not') return hasCall(node.operand);
  return node.kind === 'call' || (node.kind === 'binary' && (hasCall(node.left) || hasCall(node.right)));
}

/** See CompiledTemplate.readInputs: the values at `paths`, compared with the last ones read. */
function inputReader(
  paths: CompiledTemplate['references'],
): (ctx: TemplateContext, seen: unknown[], at: number) => boolean {
  const nodes: Node[] = paths.map((p) => ({ kind: 'path', root: p.root, keys: p.keys }));
  return (ctx, seen, at) => {
    let changed = false;
    for (let i = 0; i < nodes.length; i++) {
      const value = evaluate(nodes[i] as Node, ctx);
      if (value !== seen[at + i] || (typeof value === 'object' && value !== null)) {
        seen[at + i] = value;
        changed = true;
      }
    }
    return changed;
  };
}

function collectPaths(node: Node, out: CompiledTemplate['references']): void {
  if (node.kind === 'path') out.push({ root: node.root, keys: node.keys });
  if (node.kind === 'call') node.args.forEach((a) => collectPaths(a, out));
  if (node.kind === 'not') collectPaths(node.operand, out);
  if (node.kind === 'binary') {
    collectPaths(node.left, out);
    collectPaths(node.right, out);
  }
}

/**
 * Equality across the types a manifest mixes: CSV feeder fields are strings, JSON numbers are numbers, so
 * scalars compare by their text (`"3" == 3`); objects and lists by their JSON.
 */
export function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return a == null && b == null;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

function compare(op: BinaryOp, left: unknown, right: unknown): boolean {
  if (op === '==') return looseEquals(left, right);
  if (op === '!=') return !looseEquals(left, right);
  const [a, b] = [Number(left), Number(right)];
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function evaluate(node: Node, ctx: TemplateContext): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'not':
      return !evaluate(node.operand, ctx);
    case 'binary':
      if (node.op === '&&') return Boolean(evaluate(node.left, ctx)) && Boolean(evaluate(node.right, ctx));
      if (node.op === '||') return Boolean(evaluate(node.left, ctx)) || Boolean(evaluate(node.right, ctx));
      return compare(node.op, evaluate(node.left, ctx), evaluate(node.right, ctx));
    case 'call':
      return (FUNCTIONS[node.name] as (typeof FUNCTIONS)[string]).fn(
        ...node.args.map((a) => evaluate(a, ctx)),
      );
    case 'path': {
      let value: unknown = (ctx as unknown as Record<string, unknown>)[node.root];
      for (const key of node.keys) {
        if (value === null || value === undefined) return undefined;
        // Own properties only: `vars.x.constructor` must not reach into prototypes.
        if (!Object.hasOwn(value as object, key)) return undefined;
        value = (value as Record<string | number, unknown>)[key];
      }
      return value;
    }
  }
}

// --- parser -------------------------------------------------------------------------------------------

const TOKEN_RE =
  /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(-?[0-9]+(?:\.[0-9]+)?)|'([^']*)'|"([^"]*)"|(==|!=|<=|>=|&&|\|\||[.,()[\]<>!]))/y;
const KEYWORDS: Record<string, Literal> = { true: true, false: false, null: null };
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='];

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
  return new ExpressionParser(expr, tokens).parse();
}

/**
 * Recursive descent over one expression's tokens. Precedence, loosest first: ||, &&, comparisons, !, then
 * paths, literals, calls and parentheses.
 */
class ExpressionParser {
  private i = 0;

  constructor(
    private readonly expr: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.i < this.tokens.length) this.fail(`unexpected "${this.tokens[this.i]?.text}"`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private fail(what: string): never {
    throw new TemplateError(`${what} in \${${this.expr}}`);
  }

  private expect(text: string): void {
    if (this.tokens[this.i]?.text !== text) this.fail(`expected "${text}"`);
    this.i++;
  }

  private or(): Node {
    return this.binaryChain(['||'], () => this.and());
  }

  private and(): Node {
    return this.binaryChain(['&&'], () => this.comparison());
  }

  private comparison(): Node {
    const left = this.unary();
    const op = this.peek()?.text;
    if (op === undefined || !COMPARISONS.includes(op)) return left;
    this.i++;
    return { kind: 'binary', op: op as BinaryOp, left, right: this.unary() };
  }

  private binaryChain(ops: string[], next: () => Node): Node {
    let node = next();
    while (this.peek() && ops.includes((this.peek() as Token).text)) {
      const op = (this.tokens[this.i++] as Token).text as BinaryOp;
      node = { kind: 'binary', op, left: node, right: next() };
    }
    return node;
  }

  private unary(): Node {
    if (this.peek()?.text !== '!') return this.primary();
    this.i++;
    return { kind: 'not', operand: this.unary() };
  }

  private call(name: string): Node {
    this.i++;
    const args: Node[] = [];
    while (this.peek()?.text !== ')') {
      args.push(this.or());
      if (this.peek()?.text === ',') this.i++;
      else if (this.peek()?.text !== ')') this.fail('expected "," or ")"');
    }
    this.expect(')');
    const fn = FUNCTIONS[name];
    if (!fn) throw new TemplateError(`unknown function ${name}(); allowed: ${TEMPLATE_FUNCTIONS.join(', ')}`);
    if (args.length < fn.arity[0] || args.length > fn.arity[1]) {
      throw new TemplateError(`${name}() takes ${fn.arity.join(' to ')} arguments, got ${args.length}`);
    }
    fn.checkLiterals?.(args.map((a) => (a.kind === 'literal' ? a.value : undefined)));
    return { kind: 'call', name, args };
  }

  private path(root: string): Node {
    const keys: (string | number)[] = [];
    while (this.peek()?.text === '.' || this.peek()?.text === '[') {
      const op = this.tokens[this.i++] as Token;
      const key = this.tokens[this.i++];
      if (!key) this.fail('unexpected end');
      else if (op.text === '.') {
        if (key.type !== 'ident') this.fail('expected a name after "."');
        keys.push(key.text);
      } else {
        if (key.type !== 'number' && key.type !== 'string') this.fail('bad index');
        keys.push(key.type === 'number' ? Number(key.text) : key.text);
        this.expect(']');
      }
    }
    return { kind: 'path', root, keys };
  }

  private primary(): Node {
    const t = this.tokens[this.i++];
    if (!t) return this.fail('unexpected end');
    if (t.type === 'number') return { kind: 'literal', value: Number(t.text) };
    if (t.type === 'string') return { kind: 'literal', value: t.text };
    if (t.text === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t.type !== 'ident') return this.fail(`unexpected "${t.text}"`);
    if (this.peek()?.text === '(') return this.call(t.text);
    if (Object.hasOwn(KEYWORDS, t.text)) return { kind: 'literal', value: KEYWORDS[t.text] as Literal };
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(t.text)) {
      throw new TemplateError(
        `unknown name "${t.text}" in \${${this.expr}}; use one of ${TEMPLATE_ROOTS.join(', ')}`,
      );
    }
    return this.path(t.text);
  }
}

/** A condition (`if`, `loop.until`, `refresh.if`): one expression, with or without its `${...}`. */
export interface CompiledCondition {
  readonly source: string;
  readonly references: CompiledTemplate['references'];
  holds(ctx: TemplateContext): boolean;
}

export function compileCondition(source: string): CompiledCondition {
  const trimmed = source.trim();
  const wrapped = /^\$\{([\s\S]*)\}$/.exec(trimmed);
  const node = parseExpression(wrapped ? (wrapped[1] as string) : trimmed);
  const references: CompiledTemplate['references'] = [];
  collectPaths(node, references);
  return { source, references, holds: (ctx) => Boolean(evaluate(node, ctx)) };
}
