/** The JSON path subset used for extraction and checks: `$`, `.name`, `["name"]` and `[0]`. Compiled once. */

export type JsonPath = (string | number)[];

export class JsonPathError extends Error {
  readonly code = 'JSON_PATH_SYNTAX';
}

const SEGMENT_RE = /\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/y;

export function compileJsonPath(source: string): JsonPath {
  if (!source.startsWith('$')) throw new JsonPathError(`JSON path "${source}" must start with $`);
  const path: JsonPath = [];
  let pos = 1;
  while (pos < source.length) {
    SEGMENT_RE.lastIndex = pos;
    const m = SEGMENT_RE.exec(source);
    if (!m) throw new JsonPathError(`JSON path "${source}" is not supported at "${source.slice(pos)}"`);
    if (m[1] !== undefined) path.push(m[1]);
    else if (m[2] !== undefined) path.push(Number(m[2]));
    else path.push((m[3] ?? m[4]) as string);
    pos = SEGMENT_RE.lastIndex;
  }
  return path;
}

export function readJsonPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
