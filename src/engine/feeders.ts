/**
 * Data feeders: rows from inline lists, CSV or JSON files (or, in a cluster, ConfigMap keys the controller
 * turns into inline rows), handed out one per iteration.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FeederSpec } from '../api/schema.js';
import type { Shard } from './shard.js';

export type Row = Record<string, unknown>;

export class FeederError extends Error {
  readonly code = 'FEEDER';
}

export function loadFeederRows(spec: FeederSpec, baseDir: string): Row[] {
  if (spec.inline) return spec.inline as Row[];
  if (spec.configMap) {
    // The controller turns these into inline rows before runners see the spec; locally, validation refuses them.
    throw new FeederError(
      'configMap feeders are read in a cluster; locally use csv: or json: with a file path',
    );
  }
  const file = spec.csv ?? spec.json;
  if (!file) throw new FeederError('a feeder needs one of inline, csv, json or configMap');
  const path = resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FeederError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseFeederText(text, spec.json ? 'json' : 'csv', path);
}

export type FeederFormat = 'csv' | 'json';

/** A configMap feeder's format: as given, else from the key's extension; undefined when neither says. */
export function configMapFormat(ref: { key: string; format?: FeederFormat }): FeederFormat | undefined {
  if (ref.format) return ref.format;
  const ext = /\.(csv|json)$/i.exec(ref.key)?.[1]?.toLowerCase();
  return ext === 'csv' || ext === 'json' ? ext : undefined;
}

/** Rows from a file's text; `source` names the file in errors. */
export function parseFeederText(text: string, format: FeederFormat, source: string): Row[] {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      // V8's message quotes the text around the error: feeder rows are often secrets, so only the position.
      const at = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new FeederError(`${source} is not valid JSON${at ? ` (at character ${at})` : ''}`);
    }
    if (
      !Array.isArray(parsed) ||
      parsed.length === 0 ||
      parsed.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))
    ) {
      throw new FeederError(`${source} must hold a non-empty JSON array of objects`);
    }
    return parsed as Row[];
  }
  const rows = parseCsv(text);
  if (rows.length < 2) throw new FeederError(`${source} needs a header row and at least one data row`);
  const header = rows[0] as string[];
  return rows.slice(1).map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** Hands out rows: sequential feeders stripe rows across shards so shards do not reuse each other's rows. */
export class FeederCursor {
  private next: number;

  constructor(
    private readonly rows: Row[],
    private readonly order: 'sequential' | 'random',
    private readonly shard: Shard,
  ) {
    this.next = shard.index;
  }

  take(): Row {
    if (this.order === 'random') return this.rows[Math.floor(Math.random() * this.rows.length)] as Row;
    const row = this.rows[this.next % this.rows.length] as Row;
    this.next += this.shard.total;
    return row;
  }
}
