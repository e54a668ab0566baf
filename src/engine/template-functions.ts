/** The functions `${...}` templates may call, with their arity and the limits on their arguments. */
import { randomUUID } from 'node:crypto';

export class TemplateError extends Error {
  readonly code = 'TEMPLATE_SYNTAX';
}

/** A value at run time broke a function's limit: that iteration fails, nothing is allocated. */
export class TemplateLimitError extends Error {
  readonly code = 'TEMPLATE_LIMIT';
}

/**
 * The longest randomString(n): a request body's largest literal (LIMITS.bodyLength) and the default
 * maxBodyBytes. n may come from a response (`vars.n`), so a target must not choose gigabytes.
 */
export const MAX_RANDOM_STRING_LENGTH = 1024 * 1024;

interface TemplateFunction {
  arity: [number, number];
  fn: (...args: unknown[]) => unknown;
  /**
   * Checks the arguments written as literals (undefined: not a literal) when the template is compiled, so
   * validation refuses them (exit 2); throws TemplateError.
   */
  checkLiterals?: (literals: unknown[]) => void;
}

const randomStringTooLong = (n: number) =>
  new TemplateLimitError(`randomString(${n}): the length is at most ${MAX_RANDOM_STRING_LENGTH}`);

export const FUNCTIONS: Record<string, TemplateFunction> = {
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
      const n = Number(length);
      if (n > MAX_RANDOM_STRING_LENGTH) throw randomStringTooLong(n);
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      return s;
    },
    checkLiterals: ([length]) => {
      if (length !== undefined && Number(length) > MAX_RANDOM_STRING_LENGTH)
        throw new TemplateError(randomStringTooLong(Number(length)).message);
    },
  },
  // randomInt returns a number and randomItem takes at most 64 arguments: neither allocates by its input.
  randomItem: { arity: [1, 64], fn: (...items) => items[Math.floor(Math.random() * items.length)] },
  uuid: { arity: [0, 0], fn: () => randomUUID() },
  now: { arity: [0, 0], fn: () => Date.now() },
};
export const TEMPLATE_FUNCTIONS = Object.keys(FUNCTIONS);
