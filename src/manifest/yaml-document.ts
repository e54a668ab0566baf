/**
 * Manifest text to the one parsed document it holds, or the problems why not: YAML syntax errors with their
 * line and column, an alias bomb, an empty file, or more than one document.
 */
import { isScalar, parseAllDocuments } from 'yaml';
import { excerpt, type Problem } from '../api/schema-check.js';

/**
 * How many times a document may expand aliases (*name) in total; enough for any hand-written manifest,
 * far too few for a "billion laughs" document.
 */
export const MAX_YAML_ALIASES = 100;

export function readYamlDocument(
  text: string,
): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  // A `---` at the end, or one followed only by comments, opens a document that holds nothing (null).
  const filled = list.filter(
    (d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null),
  );
  // A second LoadTest after `---` would otherwise be ignored without a word: refuse the file instead.
  if (filled.length > 1) {
    const message = `one LoadTest per file; found ${filled.length} YAML documents (separated by ---): put each in its own file`;
    return { ok: false, problems: [{ path: '(document)', message }] };
  }
  const first = filled[0] ?? list[0];
  if (!first) return { ok: false, problems: [{ path: '(document)', message: 'the file is empty' }] };
  if (first.errors.length) {
    return {
      ok: false,
      problems: first.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  try {
    return { ok: true, value: first.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (error) {
    // yaml refuses an alias bomb (aliases that expand to a huge value) with a ReferenceError.
    return { ok: false, problems: [{ path: '(yaml)', message: excerpt((error as Error).message) }] };
  }
}
