/**
 * Data feeders: rows from inline lists, CSV or JSON files (or, in a cluster, ConfigMap keys the controller
 * turns into inline rows), handed out one per iteration.
 */
import { resolve } from 'node:path';
import {
  FeederError,
  type FeederFormat,
  MAX_FEEDER_BYTES,
  parseFeederText,
  type Row,
} from '../api/feeder-text.js';
import type { FeederSpec } from '../api/schema.js';
import { readBoundedTextFile } from './bounded-file.js';
import type { Shard } from './shard.js';

export type { FeederFormat, Row } from '../api/feeder-text.js';
export { FeederError, parseCsv, parseFeederText } from '../api/feeder-text.js';

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
    // Bounded: a huge file or a device such as /dev/zero is refused, not read into memory.
    text = readBoundedTextFile(path, MAX_FEEDER_BYTES);
  } catch (error) {
    throw new FeederError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseFeederText(text, spec.json ? 'json' : 'csv', path);
}

/** A configMap feeder's format: as given, else from the key's extension; undefined when neither says. */
export function configMapFormat(ref: { key: string; format?: FeederFormat }): FeederFormat | undefined {
  if (ref.format) return ref.format;
  const ext = /\.(csv|json)$/i.exec(ref.key)?.[1]?.toLowerCase();
  return ext === 'csv' || ext === 'json' ? ext : undefined;
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
