/**
 * A runner's configuration comes from its pod environment: the shard from the Indexed Job's
 * JOB_COMPLETION_INDEX, the LoadTest from the spec ConfigMap mounted as a file (STAMPEDE_LOADTEST_FILE;
 * the env var STAMPEDE_LOADTEST still works for runners started by hand), the rest from plain values.
 * Pure: environment and spec text in, config or problems out; main.ts reads the file.
 */
import { dirname } from 'node:path';
import { resolveSpecEnv } from '../api/env.js';
import type { LoadTest } from '../api/schema.js';
import type { ShardPolicy } from '../engine/shard-runner.js';
import { validateLoadTest } from '../manifest/validate.js';
import { policyEntryProblems } from '../protocols/connection-policy.js';
import { MIN_CONTROL_TOKEN_LENGTH } from './control-auth.js';

export const DEFAULT_CONTROL_PORT = 8765;
/** Names the mounted spec file; feeder files the controller put beside it are read from the same folder. */
export const SPEC_FILE_ENV = 'STAMPEDE_LOADTEST_FILE';
/** Where the controller mounts grpc steps' protoConfigMaps, one folder per ConfigMap. */
export const PROTO_DIR_ENV = 'STAMPEDE_PROTO_DIR';

/** The spec as main.ts found it: the file's text (or why it could not be read), else the env var. */
export interface SpecInput {
  /** Where the text came from, for messages: the file path or STAMPEDE_LOADTEST. */
  source: string;
  text?: string;
  readError?: string;
  /** Relative feeder paths resolve here: the spec file's folder. */
  baseDir?: string;
}

/** Which spec to read: the file named by STAMPEDE_LOADTEST_FILE, else the STAMPEDE_LOADTEST text. */
export function specInput(env: NodeJS.ProcessEnv, readFile: (path: string) => string): SpecInput {
  const file = env[SPEC_FILE_ENV];
  if (!file) return { source: 'STAMPEDE_LOADTEST', text: env.STAMPEDE_LOADTEST };
  try {
    return { source: file, text: readFile(file), baseDir: dirname(file) };
  } catch (error) {
    return { source: file, readError: (error as Error).message };
  }
}

export interface RunnerConfig {
  loadTest: LoadTest;
  shard: { index: number; total: number };
  host: string;
  port: number;
  /** Exit with failure if no /start arrives within this long. */
  startDeadlineMs: number;
  /**
   * After the run, keep serving /snapshot until the controller has stored the results (/release), at most
   * this long. Unset: until released; the Job's activeDeadlineSeconds bounds it, so a controller that is
   * down for a while still collects every shard when it comes back.
   */
  lingerMs: number | undefined;
  /** Relative feeder files resolve here. */
  baseDir?: string;
  /** grpc steps' protoConfigMaps are mounted here (STAMPEDE_PROTO_DIR). */
  protoDir?: string;
  /** spec.env with the values of Secret references (from STAMPEDE_ENV_<NAME>) filled in. */
  env: Record<string, string>;
  /** Those Secret values, redacted in every output. */
  secrets: string[];
  /** The bearer token every control call but the probes and /metrics must carry. */
  controlToken: string;
  /** STAMPEDE_CONNECTION_POLICY from the controller; unset (a runner started by hand): connect anywhere. */
  policy?: ShardPolicy;
}

export type RunnerConfigResult = { ok: true; config: RunnerConfig } | { ok: false; problems: string[] };

function intFrom(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  problems: string[],
  min = 0,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return n;
}

function policyFrom(env: NodeJS.ProcessEnv, problems: string[]): ShardPolicy | undefined {
  const raw = env.STAMPEDE_CONNECTION_POLICY;
  if (raw === undefined) return undefined;
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  problems.push(...policyEntryProblems(entries).map((p) => `STAMPEDE_CONNECTION_POLICY: ${p}`));
  // The API server's Service address: the kubelet always sets it, and the policy never dials it unnamed.
  const apiServer = env.KUBERNETES_SERVICE_HOST;
  return { entries, ...(apiServer ? { apiServer } : {}) };
}

export function runnerConfigFromEnv(
  env: NodeJS.ProcessEnv,
  spec: SpecInput = { source: 'STAMPEDE_LOADTEST', text: env.STAMPEDE_LOADTEST },
): RunnerConfigResult {
  const problems: string[] = [];
  const total = intFrom(env, 'STAMPEDE_SHARDS', 1, problems, 1);
  const index = intFrom(env, 'JOB_COMPLETION_INDEX', 0, problems, 0);
  if (index >= total)
    problems.push(`JOB_COMPLETION_INDEX ${index} is outside 0..${total - 1} (STAMPEDE_SHARDS=${total})`);
  const port = intFrom(env, 'STAMPEDE_CONTROL_PORT', DEFAULT_CONTROL_PORT, problems, 0);
  const startDeadlineMs = intFrom(env, 'STAMPEDE_START_DEADLINE_SECONDS', 600, problems, 1) * 1000;
  const lingerSeconds = intFrom(env, 'STAMPEDE_LINGER_SECONDS', -1, problems, 0);
  const lingerMs = lingerSeconds < 0 ? undefined : lingerSeconds * 1000;
  const controlToken = env.STAMPEDE_CONTROL_TOKEN ?? '';
  // Never echo the value: only its length says what is wrong.
  if (controlToken.length < MIN_CONTROL_TOKEN_LENGTH)
    problems.push(
      `STAMPEDE_CONTROL_TOKEN must hold at least ${MIN_CONTROL_TOKEN_LENGTH} characters (it has ${controlToken.length}): the controller puts it in the LoadTest's control Secret`,
    );
  const policy = policyFrom(env, problems);
  const raw = spec.text;
  let loadTest: LoadTest | undefined;
  if (spec.readError) problems.push(`cannot read the spec ${spec.source}: ${spec.readError}`);
  else if (!raw)
    problems.push(
      `${spec.source} is empty: it should hold the LoadTest JSON from the spec ConfigMap ` +
        `(mounted as a file named by ${SPEC_FILE_ENV})`,
    );
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      problems.push(`${spec.source} is not JSON: ${(error as Error).message}`);
    }
    if (parsed !== undefined) {
      const result = validateLoadTest(parsed);
      if (result.ok) loadTest = result.loadTest;
      else problems.push(...result.problems.map((p) => `${p.path}: ${p.message}`));
    }
  }
  if (problems.length || !loadTest) return { ok: false, problems };
  const resolved = resolveSpecEnv(loadTest.spec.env, {}, env, 'cluster');
  if (resolved.problems.length)
    return { ok: false, problems: resolved.problems.map((p) => `${p.path}: ${p.message}`) };
  return {
    ok: true,
    config: {
      loadTest,
      shard: { index, total },
      // POD_IP comes from the downward API; binding to it keeps the control API off other interfaces.
      host: env.POD_IP || '0.0.0.0',
      port,
      startDeadlineMs,
      lingerMs,
      env: resolved.env,
      secrets: resolved.secrets,
      ...(spec.baseDir ? { baseDir: spec.baseDir } : {}),
      ...(env[PROTO_DIR_ENV] ? { protoDir: env[PROTO_DIR_ENV] } : {}),
      controlToken,
      ...(policy ? { policy } : {}),
    },
  };
}
