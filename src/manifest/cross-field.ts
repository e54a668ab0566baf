/**
 * The language of cross-field rules: what the schema cannot say ("exactly one of", "at least", "needs").
 * Each rule is data; `ruleProblems` judges it in TypeScript for the CLI and the controller, and `celRule`
 * writes it as a CRD `x-kubernetes-validations` entry for the apiserver. Both render the same message.
 */
import type { Problem } from '../api/schema-check.js';

/** A schema node that carries rules. */
export type RuleNode =
  | 'scenario'
  | 'step'
  | 'think'
  | 'extractor'
  | 'wsMessage'
  | 'wsExpect'
  | 'pgUrl'
  | 'pgStep'
  | 'feeder'
  | 'retry'
  | 'refresh';

/** Holds when the field (a dot path in the node) is present and one of the values. */
export interface Condition {
  field: string;
  in: readonly string[];
}

export type RuleCheck =
  /** Exactly one of the fields (or at most one). `celFields`: the ones CEL can see (untyped JSON it cannot). */
  | {
      kind: 'oneOf';
      fields: readonly string[];
      atMost?: boolean;
      celFields?: readonly string[];
      join?: string;
    }
  /** field >= than, when both are present. */
  | { kind: 'atLeast'; field: string; than: string; when?: Condition }
  | { kind: 'required'; field: string; when: Condition }
  | { kind: 'forbidden'; field: string; when: Condition }
  /** A list with at least one item. */
  | { kind: 'nonEmpty'; field: string; when: Condition }
  /** When `field` is present, `needs` must be too. */
  | { kind: 'needs'; field: string; needs: string }
  /** At least one of the fields. */
  | { kind: 'anyOf'; fields: readonly string[] };

export interface CrossFieldRule {
  node: RuleNode;
  check: RuleCheck;
  /** Where a problem is reported, relative to the node ('' is the node itself). */
  at: string;
  /**
   * The message. Placeholders: {found} the oneOf fields present ("none" if none), {executor} the scenario's
   * executor and {takes} the fields it takes. No field values: CEL's cost estimate for string(number) in a
   * message is far over the apiserver's budget.
   */
  message: string;
}

/** Per executor type: the fields it takes besides the common ones, as the messages list them. */
export type Takes = Readonly<Record<string, string>>;

type Node = Record<string, unknown>;

function valueAt(node: Node, path: string): unknown {
  let v: unknown = node;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Node)[key] : undefined;
  return v;
}

const holdsWhen = (node: Node, when: Condition | undefined): boolean =>
  when === undefined || when.in.includes(valueAt(node, when.field) as string);

/** Whether the rule holds for this node (TypeScript side). */
export function ruleHolds(check: RuleCheck, node: Node): boolean {
  const present = (f: string) => valueAt(node, f) !== undefined;
  switch (check.kind) {
    case 'oneOf': {
      const n = check.fields.filter(present).length;
      return check.atMost ? n <= 1 : n === 1;
    }
    case 'atLeast':
      return (
        !holdsWhen(node, check.when) ||
        !present(check.field) ||
        !present(check.than) ||
        (valueAt(node, check.field) as number) >= (valueAt(node, check.than) as number)
      );
    case 'required':
      return !holdsWhen(node, check.when) || present(check.field);
    case 'forbidden':
      return !holdsWhen(node, check.when) || !present(check.field);
    case 'nonEmpty': {
      const list = valueAt(node, check.field);
      return !holdsWhen(node, check.when) || (Array.isArray(list) && list.length > 0);
    }
    case 'needs':
      return !present(check.field) || present(check.needs);
    case 'anyOf':
      return check.fields.some(present);
  }
}

const PLACEHOLDER = /\{(found|takes|executor)\}/g;

function renderMessage(rule: CrossFieldRule, node: Node, takes: Takes): string {
  return rule.message.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'found' && rule.check.kind === 'oneOf') {
      const found = rule.check.fields.filter((f) => valueAt(node, f) !== undefined);
      return found.join(rule.check.join ?? ', ') || 'none';
    }
    if (name === 'takes') return takes[valueAt(node, 'executor') as string] ?? '';
    return String(valueAt(node, 'executor'));
  });
}

/** The problems of one node: every rule of that node that does not hold, in table order. */
export function ruleProblems(
  rules: readonly CrossFieldRule[],
  node: RuleNode,
  value: object,
  path: string,
  takes: Takes = {},
): Problem[] {
  return rules
    .filter((r) => r.node === node && !ruleHolds(r.check, value as Node))
    .map((r) => ({ path: r.at ? `${path}.${r.at}` : path, message: renderMessage(r, value as Node, takes) }));
}

/** A CRD validation rule. */
export interface CelValidation {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}

const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** has(self.a) && has(self.a.b): present, with every parent present. */
function celHas(path: string): string {
  const parts = path.split('.');
  return parts.map((_, i) => `has(self.${parts.slice(0, i + 1).join('.')})`).join(' && ');
}

function celWhen(when: Condition | undefined): string | undefined {
  if (!when) return undefined;
  return `(${celHas(when.field)} && self.${when.field} in [${when.in.map(celString).join(', ')}])`;
}

function celBody(check: RuleCheck): string {
  switch (check.kind) {
    case 'oneOf': {
      const fields = check.celFields ?? check.fields;
      const op = check.atMost || check.celFields ? '<=' : '==';
      return `[${fields.map(celHas).join(', ')}].filter(x, x).size() ${op} 1`;
    }
    case 'atLeast':
      return `!(${celHas(check.field)} && ${celHas(check.than)}) || self.${check.field} >= self.${check.than}`;
    case 'required':
      return celHas(check.field);
    case 'forbidden':
      return `!(${celHas(check.field)})`;
    case 'nonEmpty':
      return `${celHas(check.field)} && size(self.${check.field}) > 0`;
    case 'needs':
      return `!(${celHas(check.field)}) || ${celHas(check.needs)}`;
    case 'anyOf':
      return check.fields.map(celHas).join(' || ');
  }
}

/**
 * {found} in CEL: ", a" for each present field concatenated, then the first separator cut off. Only string
 * literals are joined, so the apiserver's cost estimate stays small (a list filter and join does not).
 */
function celFound(check: RuleCheck): string {
  if (check.kind !== 'oneOf') return "''";
  const sep = check.join ?? ', ';
  const all = (check.celFields ?? check.fields)
    .map((f) => `(${celHas(f)} ? ${celString(sep + f)} : '')`)
    .join(' + ');
  return `((${all}) == '' ? 'none' : (${all}).substring(${sep.length}))`;
}

/** Placeholders that depend on the executor: written out per executor as literals (cheap for CEL). */
const PER_EXECUTOR = /\{(takes|executor)\}/;

/** The message as CEL string concatenation; `executor` fixes {executor} and {takes} to literals. */
function celConcat(rule: CrossFieldRule, takes: Takes, executor: string | undefined): string {
  const parts: string[] = [];
  let literal = '';
  let last = 0;
  for (const m of rule.message.matchAll(PLACEHOLDER)) {
    literal += rule.message.slice(last, m.index);
    last = (m.index ?? 0) + m[0].length;
    const name = m[1] as string;
    if (name === 'executor') literal += executor;
    else if (name === 'takes') literal += takes[executor as string] ?? '';
    else {
      if (literal) parts.push(celString(literal));
      literal = '';
      parts.push(celFound(rule.check));
    }
  }
  literal += rule.message.slice(last);
  if (literal) parts.push(celString(literal));
  return parts.join(' + ');
}

/** The message as a CEL string expression, or undefined when it has no placeholder. */
function celMessage(rule: CrossFieldRule, takes: Takes): string | undefined {
  if (!rule.message.match(PLACEHOLDER)) return undefined;
  if (!PER_EXECUTOR.test(rule.message)) return celConcat(rule, takes, undefined);
  const when = 'when' in rule.check ? rule.check.when : undefined;
  const executors = when?.field === 'executor' ? [...when.in] : Object.keys(takes);
  const lastExecutor = executors.pop() as string;
  return executors.reduceRight(
    (otherwise, e) => `self.executor == ${celString(e)} ? ${celConcat(rule, takes, e)} : (${otherwise})`,
    celConcat(rule, takes, lastExecutor),
  );
}

/** The rule as CEL for the CRD, with the same message (a messageExpression when it has placeholders). */
export function celRule(rule: CrossFieldRule, takes: Takes = {}): CelValidation {
  const when = 'when' in rule.check ? celWhen(rule.check.when) : undefined;
  const body = celBody(rule.check);
  const out: CelValidation = { rule: when ? `!${when} || (${body})` : body };
  const expression = celMessage(rule, takes);
  if (expression) {
    out.messageExpression = expression;
    out.message = rule.message.replace(PLACEHOLDER, (_, name: string) => `<${name}>`);
  } else {
    out.message = rule.message;
  }
  if (rule.at) out.fieldPath = `.${rule.at}`;
  return out;
}
