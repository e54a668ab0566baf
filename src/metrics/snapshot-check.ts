/**
 * Checks a snapshot that crossed a process boundary (a runner's GET /snapshot, a stored checkpoint) before
 * anything merges it: every field the merge reads has its type, counters are finite and not negative, and
 * every histogram decodes. Pure; the first problem is returned with its path, so a malformed shard can be
 * reported as lost with a reason instead of throwing inside mergeSnapshots.
 */

import { CUSTOM_METRIC_NAME, CUSTOM_METRIC_TYPES } from '../api/flow-constants.js';
import { GRPC_STATUS_NAMES } from '../api/grpc-status.js';
import { ERROR_CLASSES } from './error-class.js';
import { isDecodableHistogram } from './histogram.js';
import { type ShardSnapshot, SNAPSHOT_SCHEMA_VERSION, STEP_PROTOCOLS } from './snapshot.js';

const GRPC_CLASSES = new Set(GRPC_STATUS_NAMES.map((name) => `grpc_${name.toLowerCase()}`));

export type SnapshotCheck = { ok: true; snapshot: ShardSnapshot } | { ok: false; problem: string };

export interface SnapshotCheckOptions {
  /** The shard the snapshot must come from. */
  shard?: { index: number; total: number };
  /**
   * Intervals already checked in an earlier snapshot of the same shard (cumulative snapshots only append):
   * their histograms are not decoded again, which keeps a long run's every-2-s pull cheap.
   */
  checkedIntervals?: number;
}

type Obj = Record<string, unknown>;

class Malformed extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, what: string): never {
  throw new Malformed(`${path}: ${what}`);
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, 'expected an object');
  return v;
}

function count(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${path}.${key}`, 'expected a number >= 0');
}

function text(o: Obj, key: string, path: string, optional = false): void {
  const v = o[key];
  if (optional && v === undefined) return;
  if (typeof v !== 'string') fail(`${path}.${key}`, 'expected a string');
}

function list(o: Obj, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'expected an array');
  return v;
}

function hdr(o: Obj, key: string, path: string, optional = false): void {
  const v = o[key];
  if (optional && v === undefined) return;
  if (typeof v !== 'string' || !isDecodableHistogram(v)) fail(`${path}.${key}`, 'not an encoded histogram');
}

function counters(o: Obj, key: string, path: string, known?: readonly string[]): void {
  const m = obj(o[key], `${path}.${key}`);
  for (const [k, v] of Object.entries(m)) {
    // SQLSTATE and gRPC status classes appear only when seen (error-class.ts bounds both sets).
    if (known && !known.includes(k) && !k.startsWith('pg_') && !GRPC_CLASSES.has(k))
      fail(`${path}.${key}.${k}`, 'unknown error class');
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      fail(`${path}.${key}.${k}`, 'expected a number >= 0');
  }
}

function checkStep(v: unknown, path: string): void {
  const s = obj(v, path);
  text(s, 'scenario', path);
  text(s, 'step', path);
  if (!(STEP_PROTOCOLS as readonly string[]).includes(s.protocol as string))
    fail(`${path}.protocol`, `expected one of ${STEP_PROTOCOLS.join(', ')}`);
  for (const k of ['requests', 'failures', 'bytesIn', 'bytesOut']) count(s, k, path);
  counters(s, 'errors', path, ERROR_CLASSES);
  counters(s, 'statuses', path);
  const checks = obj(s.checks, `${path}.checks`);
  count(checks, 'passes', `${path}.checks`);
  count(checks, 'fails', `${path}.checks`);
  hdr(s, 'durationHdr', path);
  hdr(s, 'serviceHdr', path, true);
  if (s.ws !== undefined) {
    const ws = obj(s.ws, `${path}.ws`);
    for (const k of ['sessions', 'messagesSent', 'messagesReceived']) count(ws, k, `${path}.ws`);
    hdr(ws, 'connectHdr', `${path}.ws`);
    hdr(ws, 'sessionHdr', `${path}.ws`);
    hdr(ws, 'deliveryHdr', `${path}.ws`, true);
  }
  if (s.grpc !== undefined) count(obj(s.grpc, `${path}.grpc`), 'messages', `${path}.grpc`);
  if (s.custom !== undefined)
    for (const [i, c] of list(s, 'custom', path).entries()) checkCustomMetric(c, `${path}.custom[${i}]`);
  if (s.pg !== undefined) {
    const pg = obj(s.pg, `${path}.pg`);
    count(pg, 'rows', `${path}.pg`);
    hdr(pg, 'poolWaitHdr', `${path}.pg`);
    hdr(pg, 'queryHdr', `${path}.pg`);
  }
}

const CUSTOM_NAME = new RegExp(CUSTOM_METRIC_NAME);

function checkCustomMetric(v: unknown, path: string): void {
  const c = obj(v, path);
  if (typeof c.name !== 'string' || !CUSTOM_NAME.test(c.name)) fail(`${path}.name`, 'expected a metric name');
  if (!(CUSTOM_METRIC_TYPES as readonly unknown[]).includes(c.type))
    fail(`${path}.type`, `expected one of ${CUSTOM_METRIC_TYPES.join(', ')}`);
  for (const k of ['samples', 'invalid', 'sum', 'nonZero']) count(c, k, path);
  if (c.type === 'trend') hdr(c, 'valuesHdr', path);
  else if (c.valuesHdr !== undefined) fail(`${path}.valuesHdr`, `only a trend has values, not a ${c.type}`);
}

function checkScenario(v: unknown, path: string): void {
  const s = obj(v, path);
  text(s, 'name', path);
  text(s, 'executor', path);
  if (s.model !== 'open' && s.model !== 'closed') fail(`${path}.model`, 'expected open or closed');
  for (const k of [
    'iterations',
    'failedIterations',
    'droppedIterations',
    'interruptedIterations',
    'activeVUs',
    'peakVUs',
  ])
    count(s, k, path);
  hdr(s, 'iterationHdr', path);
  hdr(s, 'scheduleLagHdr', path, true);
  if (s.stepping !== undefined) {
    const st = obj(s.stepping, `${path}.stepping`);
    count(st, 'stoppedAtMs', `${path}.stepping`);
    count(st, 'level', `${path}.stepping`);
    text(st, 'condition', `${path}.stepping`);
  }
}

const INTERVAL_COUNTS = [
  'second',
  'requests',
  'failures',
  'bytesIn',
  'iterations',
  'dropped',
  'checksPass',
  'checksFail',
  'vus',
  'loopDelayP99Ms',
  'loopDelayMaxMs',
  'cpuPercent',
] as const;

function checkInterval(v: unknown, path: string, decode: boolean): void {
  const iv = obj(v, path);
  for (const k of INTERVAL_COUNTS) count(iv, k, path);
  if (iv.rssMb !== undefined) count(iv, 'rssMb', path);
  if (iv.lengthMs !== undefined) count(iv, 'lengthMs', path);
  if (decode) hdr(iv, 'durationHdr', path);
  else text(iv, 'durationHdr', path);
}

function checkErrorSample(v: unknown, path: string): void {
  const e = obj(v, path);
  for (const k of ['class', 'scenario', 'step', 'message']) text(e, k, path);
  count(e, 'count', path);
}

function checkTop(s: Obj, opts: SnapshotCheckOptions): void {
  if (s.schemaVersion !== SNAPSHOT_SCHEMA_VERSION)
    fail('schemaVersion', `expected ${SNAPSHOT_SCHEMA_VERSION}, got ${JSON.stringify(s.schemaVersion)}`);
  const shard = obj(s.shard, 'shard');
  count(shard, 'index', 'shard');
  count(shard, 'total', 'shard');
  if (opts.shard && (shard.index !== opts.shard.index || shard.total !== opts.shard.total))
    fail(
      'shard',
      `expected shard ${opts.shard.index} of ${opts.shard.total}, got ${shard.index} of ${shard.total}`,
    );
  const proc = obj(s.process, 'process');
  text(proc, 'key', 'process');
  count(proc, 'cores', 'process');
  count(proc, 'threads', 'process');
  if (proc.coresFrom !== undefined && proc.coresFrom !== 'cpus' && proc.coresFrom !== 'cgroup quota')
    fail('process.coresFrom', "expected 'cpus' or 'cgroup quota'");
  count(s, 'startedAtMs', '(snapshot)');
  count(s, 'elapsedMs', '(snapshot)');
  if (typeof s.done !== 'boolean') fail('done', 'expected true or false');
}

export function checkSnapshot(value: unknown, opts: SnapshotCheckOptions = {}): SnapshotCheck {
  try {
    const s = obj(value, '(snapshot)');
    checkTop(s, opts);
    for (const [i, step] of list(s, 'steps', '(snapshot)').entries()) checkStep(step, `steps[${i}]`);
    for (const [i, sc] of list(s, 'scenarios', '(snapshot)').entries()) checkScenario(sc, `scenarios[${i}]`);
    const skip = opts.checkedIntervals ?? 0;
    for (const [i, iv] of list(s, 'intervals', '(snapshot)').entries())
      checkInterval(iv, `intervals[${i}]`, i >= skip);
    for (const [i, e] of list(s, 'errorSamples', '(snapshot)').entries())
      checkErrorSample(e, `errorSamples[${i}]`);
    return { ok: true, snapshot: value as ShardSnapshot };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, problem: error.message };
    throw error;
  }
}
