/**
 * Runner pod settings from the operator's own configuration (the chart's `runner.*` values, passed as the
 * JSON env var STAMPEDE_RUNNER_POD): pull policy, resources and placement. Never from a manifest, so a
 * LoadTest author cannot pick nodes or tolerate taints the operator's installer did not allow.
 */
import type { RunnerPodOptions } from './builders.js';

export type RunnerPodSettings = Pick<
  RunnerPodOptions,
  'imagePullPolicy' | 'resources' | 'nodeSelector' | 'tolerations' | 'affinity'
>;

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks the JSON; throws an Error naming the bad field and what is allowed. */
export function parseRunnerPodSettings(json: string | undefined): RunnerPodSettings {
  if (!json?.trim()) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`STAMPEDE_RUNNER_POD is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw new Error('STAMPEDE_RUNNER_POD: must be a JSON object');
  const fail = (field: string, allowed: string) => {
    throw new Error(`STAMPEDE_RUNNER_POD.${field}: must be ${allowed}`);
  };
  const out: RunnerPodSettings = {};
  for (const [key, value] of Object.entries(raw)) {
    // Empty values are the chart's defaults ("" and {}): nothing to apply.
    if (value === '' || value === null || (isObject(value) && Object.keys(value).length === 0)) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    switch (key) {
      case 'imagePullPolicy':
        if (typeof value !== 'string' || !PULL_POLICIES.includes(value)) fail(key, PULL_POLICIES.join(', '));
        out.imagePullPolicy = value as string;
        break;
      case 'resources':
        if (!isObject(value) || Object.keys(value).some((k) => k !== 'requests' && k !== 'limits'))
          fail(key, 'an object with requests and/or limits');
        out.resources = value as Record<string, unknown>;
        break;
      case 'nodeSelector':
        if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string'))
          fail(key, 'an object of string labels');
        out.nodeSelector = value as Record<string, string>;
        break;
      case 'tolerations':
        if (!Array.isArray(value) || !value.every(isObject)) fail(key, 'a list of toleration objects');
        out.tolerations = value as Record<string, unknown>[];
        break;
      case 'affinity':
        if (!isObject(value)) fail(key, 'an affinity object');
        out.affinity = value as Record<string, unknown>;
        break;
      default:
        fail(key, 'absent: allowed keys are imagePullPolicy, resources, nodeSelector, tolerations, affinity');
    }
  }
  return out;
}
