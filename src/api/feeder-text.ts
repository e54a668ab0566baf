/**
 * Feeder rows from CSV or JSON text, with limits checked before parsing grows: a file of at most
 * MAX_FEEDER_BYTES and MAX_FEEDER_FILE_ROWS rows. A leading byte-order mark is dropped; an unterminated quote
 * or a row whose field count differs from the header is an error naming the line. Pure: text in, rows out.
 */

export type Row = Record<string, unknown>;
export type FeederFormat = 'csv' | 'json';

/** A feeder file's largest size: rows are held in memory by every shard. */
export const MAX_FEEDER_BYTES = 64 * 1024 * 1024;
export const MAX_FEEDER_FILE_ROWS = 1_000_000;

export class FeederError extends Error {
  readonly code = 'FEEDER';
}

const BOM = '\ufeff';

/** Rows from a file's text; `source` names the file in errors. */
export function parseFeederText(text: string, format: FeederFormat, source: string): Row[] {
  if (text.length > MAX_FEEDER_BYTES)
    throw new FeederError(`${source} is larger than ${MAX_FEEDER_BYTES / 1024 / 1024} MiB`);
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  if (format === 'json') return parseJsonRows(body, source);
  let rows: CsvRow[];
  try {
    rows = parseCsvRows(body);
  } catch (error) {
    throw new FeederError(`${source} ${(error as Error).message}`);
  }
  if (rows.length < 2) throw new FeederError(`${source} needs a header row and at least one data row`);
  const header = (rows[0] as CsvRow).cells;
  return rows.slice(1).map(({ cells, line }) => {
    if (cells.length !== header.length) {
      throw new FeederError(
        `${source} line ${line}: ${cells.length} field${cells.length === 1 ? '' : 's'}, but the header has ${header.length}`,
      );
    }
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
}

function parseJsonRows(text: string, source: string): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FeederError(`${source} is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length === 0 ||
    parsed.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))
  ) {
    throw new FeederError(`${source} must hold a non-empty JSON array of objects`);
  }
  if (parsed.length > MAX_FEEDER_FILE_ROWS)
    throw new FeederError(`${source} holds ${parsed.length} rows; at most ${MAX_FEEDER_FILE_ROWS} allowed`);
  return parsed as Row[];
}

interface CsvRow {
  cells: string[];
  /** The 1-based line the row starts on. */
  line: number;
}

/** RFC 4180: quoted fields, doubled quotes, CRLF or LF. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).map((r) => r.cells);
}

function parseCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 0;
  const endRow = () => {
    row.push(field);
    if (row.some((f) => f !== '')) {
      if (rows.length >= MAX_FEEDER_FILE_ROWS)
        throw new Error(
          `has more than ${MAX_FEEDER_FILE_ROWS} rows; at most ${MAX_FEEDER_FILE_ROWS} allowed`,
        );
      rows.push({ cells: row, line: rowLine });
    }
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') {
        i++;
        line++;
      }
      endRow();
      rowLine = line;
    } else field += c;
  }
  if (quoted) throw new Error(`line ${quoteLine}: a quoted field is never closed`);
  endRow();
  return rows;
}
