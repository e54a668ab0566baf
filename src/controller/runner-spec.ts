/**
 * The spec a runner gets: just what it needs to run, with every configMap feeder's text copied beside it as
 * a file (`csv:`/`json:` feeder), so runners need no access to the API. The spec ConfigMap is mounted into
 * the runner pods as files. Pure: the LoadTest and the ConfigMap text observe read in, the spec ConfigMap's
 * files (or why there can be none) out.
 */
import type { FeederSpec } from '../api/schema.js';
import { API_VERSION, FEEDER_MAX_ROWS, KIND } from '../api/spec-constants.js';
import { configMapFormat, FeederError, parseFeederText, type Row } from '../engine/feeders.js';
import { planDurationUs, planShard } from '../engine/shard-plan.js';
import { validateLoadTest } from '../manifest/validate.js';
import { SPEC_KEY } from './builders.js';
import type { Decision, ObservedFeederSource, ObservedLoadTest } from './model.js';

/**
 * Runners receive the spec as a mounted ConfigMap, so its bound is the ConfigMap's: the apiserver refuses
 * one whose keys and values together pass 1 MiB.
 */
export const RUNNER_SPEC_MAX_BYTES = 1024 * 1024;

export type FailReason = 'FeederNotFound' | 'FeederInvalid' | 'FeederTooLarge' | 'SpecTooLarge';

export type RunnerSpecResult =
  /** files: the spec ConfigMap's data, SPEC_KEY plus one file per configMap feeder. */
  | { ok: true; manifest: string; files: Record<string, string> }
  | { ok: false; reason: FailReason; message: string };

export interface ConfigMapFeederRef {
  feeder: string;
  configMap: string;
  key: string;
}

/** The ConfigMap keys observe must read for this LoadTest. */
export function configMapFeeders(lt: ObservedLoadTest): ConfigMapFeederRef[] {
  return Object.entries(lt.spec.feeders ?? {}).flatMap(([feeder, spec]) =>
    spec.configMap ? [{ feeder, configMap: spec.configMap.name, key: spec.configMap.key }] : [],
  );
}

/** Other key names are not repeated: they can describe what the ConfigMap holds. */
const keyCount = (n: number) => (n === 1 ? '1 other key' : `${n} other keys`);

type Resolved =
  | { rows: Row[]; text: string; format: 'csv' | 'json' }
  | { reason: FailReason; message: string };

/** The spec ConfigMap key (a file name in the runner) of a feeder's text: feeder names are identifiers. */
export const feederFile = (feeder: string, format: 'csv' | 'json') => `feeder.${feeder}.${format}`;

function resolveOne(
  lt: ObservedLoadTest,
  feeder: string,
  ref: NonNullable<FeederSpec['configMap']>,
  sources: ObservedFeederSource[],
): Resolved {
  const path = `spec.feeders.${feeder}.configMap`;
  const source = sources.find((s) => s.feeder === feeder);
  const cm = `ConfigMap ${lt.metadata.namespace}/${ref.name}`;
  if (!source || 'missing' in source) {
    const message =
      source?.missing === 'binary'
        ? `${cm} holds ${ref.key} in binaryData: the file is not UTF-8 text`
        : source?.missing === 'key'
          ? `${cm} has no key ${ref.key} (it has ${keyCount(source.keys?.length ?? 0)})`
          : `${cm} not found; create it with kubectl create configmap ${ref.name} --from-file=${ref.key}`;
    return { reason: 'FeederNotFound', message: `${path}: ${message}` };
  }
  const format = configMapFormat(ref);
  if (!format)
    return { reason: 'FeederInvalid', message: `${path}.format: is required (allowed: csv, json)` };
  let rows: Row[];
  try {
    rows = parseFeederText(source.text, format, `${cm} key ${ref.key}`);
  } catch (error) {
    if (!(error instanceof FeederError)) throw error;
    return { reason: 'FeederInvalid', message: `${path}: ${error.message}` };
  }
  if (rows.length > FEEDER_MAX_ROWS) {
    return {
      reason: 'FeederTooLarge',
      message: `${path}: ${cm} key ${ref.key} holds ${rows.length} rows; a feeder holds at most ${FEEDER_MAX_ROWS}`,
    };
  }
  return { rows, text: source.text, format };
}

export function runnerSpec(lt: ObservedLoadTest, sources: ObservedFeederSource[]): RunnerSpecResult {
  // inlined: every feeder as rows, only to check the rows against the inline-row rules; feeders: what
  // runners get, configMap feeders as files beside the spec.
  const inlined: Record<string, FeederSpec> = {};
  const feeders: Record<string, FeederSpec> = {};
  const files: Record<string, string> = {};
  const failures: { reason: FailReason; message: string }[] = [];
  for (const [name, spec] of Object.entries(lt.spec.feeders ?? {})) {
    if (!spec.configMap) {
      feeders[name] = inlined[name] = spec;
      continue;
    }
    const resolved = resolveOne(lt, name, spec.configMap, sources);
    if (!('rows' in resolved)) {
      failures.push(resolved);
      continue;
    }
    const order = spec.order ? { order: spec.order } : {};
    const file = feederFile(name, resolved.format);
    files[file] = resolved.text;
    feeders[name] = { [resolved.format]: file, ...order };
    inlined[name] = { inline: resolved.rows, ...order };
  }
  if (failures.length) {
    // A missing ConfigMap is the likeliest fix; name it first.
    const reason =
      failures.find((f) => f.reason === 'FeederNotFound')?.reason ?? (failures[0]?.reason as FailReason);
    return { ok: false, reason, message: failures.map((f) => f.message).join('; ') };
  }
  const hasConfigMapFeeders = configMapFeeders(lt).length > 0;
  const withFeeders = (f: Record<string, FeederSpec>) => ({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: lt.metadata.name, namespace: lt.metadata.namespace },
    spec: lt.spec.feeders ? { ...lt.spec, feeders: f } : lt.spec,
  });
  const json = JSON.stringify(withFeeders(feeders));
  const all = { [SPEC_KEY]: json, ...files };
  const bytes = Object.entries(all).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > RUNNER_SPEC_MAX_BYTES) {
    const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
    return {
      ok: false,
      reason: hasConfigMapFeeders ? 'FeederTooLarge' : 'SpecTooLarge',
      message:
        `the runner spec${hasConfigMapFeeders ? ' with the feeder files' : ''} is ${kib(bytes)}; runners ` +
        `receive it as one ConfigMap, which holds at most ${kib(RUNNER_SPEC_MAX_BYTES)}` +
        (hasConfigMapFeeders ? ': use fewer or shorter rows' : ''),
    };
  }
  // Rows from a file may break what inline rows allow (such as more than 64 columns): say so now,
  // not in every runner's log.
  const check = validateLoadTest(withFeeders(inlined));
  if (!check.ok) {
    return {
      ok: false,
      reason: 'FeederInvalid',
      // Every row may break the same rule: the first few say enough and keep the status readable.
      message: `the feeder rows do not fit a LoadTest: ${check.problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.message}`)
        .join('; ')}${check.problems.length > 5 ? `; and ${check.problems.length - 5} more` : ''}`,
    };
  }
  return { ok: true, manifest: json, files: all };
}

/** Failed before any runner exists: status and one Warning Event, not repeated while the message holds. */
export function failedBeforeStart(lt: ObservedLoadTest, reason: string, message: string): Decision {
  const already = lt.status?.phase === 'Failed' && lt.status.message === message;
  return {
    status: {
      ...lt.status,
      phase: 'Failed',
      observedGeneration: lt.metadata.generation,
      message,
      verdict: 'Failed',
    },
    actions: already ? [] : [{ kind: 'event', type: 'Warning', reason, message }],
    requeueAfterMs: undefined,
  };
}

/** How long runners hold their final results for the controller by default, after the planned run. */
export const DEFAULT_RESULT_HOLD_SECONDS = 3600;

/**
 * The runner Job's activeDeadlineSeconds: waiting for the start, the whole planned run (graceful stops
 * included), and then `holdSeconds` for a controller that is down to come back and collect the results.
 */
export function jobDeadlineSeconds(
  lt: ObservedLoadTest,
  startDeadlineSeconds: number,
  holdSeconds = DEFAULT_RESULT_HOLD_SECONDS,
): number {
  const runSeconds = Math.ceil(planDurationUs(planShard(lt, { index: 0, total: 1 })) / 1_000_000);
  return startDeadlineSeconds + runSeconds + holdSeconds;
}
