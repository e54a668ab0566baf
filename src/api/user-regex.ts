/**
 * Regular expressions from a manifest (check.bodyMatches, extract.regex) run on RE2 (re2js, pure JS), whose
 * matching time is linear in the input: a pattern such as ^(a+)+$ cannot hang a VU, its iteration or the
 * stop. RE2 has no backreferences or lookaround; such patterns are refused at validation with RE2's reason.
 */
import { RE2JS } from 're2js';

export interface UserRegex {
  /** Is there a match anywhere in `text`? */
  test(text: string): boolean;
  /** Capture group 1 of the first match (the whole match when there is no group), or undefined. */
  firstGroup(text: string): string | undefined;
}

/** Compiles `source`; throws an Error whose message says why RE2 refuses it. */
export function compileUserRegex(source: string): UserRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (error) {
    throw new Error(
      `is not a regular expression RE2 accepts (no backreferences or lookaround): ${(error as Error).message}`,
    );
  }
  const groups = re.groupCount();
  return {
    test: (text) => re.matcher(text).find(),
    firstGroup(text) {
      const m = re.matcher(text);
      if (!m.find()) return undefined;
      return (groups >= 1 ? m.group(1) : m.group(0)) ?? undefined;
    },
  };
}
