/**
 * The operator's guardrails (chart values guardrails.*, passed as the JSON env var STAMPEDE_GUARDRAILS):
 * how big a LoadTest may be. A LoadTest over any limit fails before any runner starts, with reason
 * PolicyViolation naming the limit. Pure: a LoadTest and the limits in, the violations out.
 */
import { durationUs } from '../api/duration.js';
import type { LoadTest, Scenario } from '../api/schema.js';
import { planDurationUs, planShard } from '../engine/shard-plan.js';

export interface Guardrails {
  /** spec.runners at most. */
  maxRunners?: number;
  /** The planned duration (every scenario's start, duration and graceful stop) at most, in seconds. */
  maxDurationSeconds?: number;
  /** Open-model scenarios' peak scheduled iterations per second, summed over scenarios, at most. */
  maxIterationRate?: number;
  /** VUs over all scenarios at most (what bounds closed-model load). */
  maxVUs?: number;
}

/** Safe defaults when the chart sets nothing: room for real tests, not for a runaway one. */
export const DEFAULT_GUARDRAILS: Required<Guardrails> = {
  maxRunners: 20,
  maxDurationSeconds: 4 * 3600,
  maxIterationRate: 50_000,
  maxVUs: 50_000,
};

const KEYS = Object.keys(DEFAULT_GUARDRAILS) as (keyof Guardrails)[];

/** Parses STAMPEDE_GUARDRAILS over the defaults; throws naming the bad key. 0 switches a limit off. */
export function parseGuardrails(json: string | undefined): Guardrails {
  if (!json?.trim()) return { ...DEFAULT_GUARDRAILS };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`STAMPEDE_GUARDRAILS is not JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('STAMPEDE_GUARDRAILS: must be a JSON object');
  const out: Guardrails = { ...DEFAULT_GUARDRAILS };
  for (const [key, value] of Object.entries(raw)) {
    if (!KEYS.includes(key as keyof Guardrails))
      throw new Error(`STAMPEDE_GUARDRAILS.${key}: unknown (allowed: ${KEYS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new Error(`STAMPEDE_GUARDRAILS.${key}: must be a number >= 0 (0: no limit)`);
    if (value === 0) delete out[key as keyof Guardrails];
    else out[key as keyof Guardrails] = value;
  }
  return out;
}

/** Peak scheduled iterations per second of an open-model scenario; 0 for closed models. */
export function peakIterationRate(s: Scenario): number {
  const perSecond = 1e6 / durationUs(s.timeUnit ?? '1s');
  switch (s.executor) {
    case 'constant-arrival-rate':
      return (s.rate ?? 0) * perSecond;
    case 'ramping-arrival-rate':
      return Math.max(s.startRate ?? 0, ...(s.stages ?? []).map((st) => st.target)) * perSecond;
    case 'breakpoint':
      return s.levels?.unit === 'rate' ? Math.max(s.levels.max, s.recovery?.load ?? 0) * perSecond : 0;
    default:
      return 0;
  }
}

const limit = (key: keyof Guardrails, value: number) => `the operator's limit guardrails.${key}=${value}`;

export function guardrailViolations(lt: LoadTest, g: Guardrails): string[] {
  const out: string[] = [];
  const runners = lt.spec.runners ?? 1;
  if (g.maxRunners !== undefined && runners > g.maxRunners)
    out.push(`spec.runners: ${runners} runners exceed ${limit('maxRunners', g.maxRunners)}`);
  const plans = planShard(lt, { index: 0, total: 1 });
  const seconds = planDurationUs(plans) / 1e6;
  if (g.maxDurationSeconds !== undefined && seconds > g.maxDurationSeconds)
    out.push(
      `spec.scenarios: the plan runs ${Math.ceil(seconds)} s, over ${limit('maxDurationSeconds', g.maxDurationSeconds)}`,
    );
  const rate = Object.values(lt.spec.scenarios).reduce((sum, s) => sum + peakIterationRate(s), 0);
  if (g.maxIterationRate !== undefined && rate > g.maxIterationRate)
    out.push(
      `spec.scenarios: a peak of ${Math.round(rate)} iterations/s exceeds ${limit('maxIterationRate', g.maxIterationRate)}`,
    );
  const vus = plans.reduce((sum, p) => sum + p.maxVUs, 0);
  if (g.maxVUs !== undefined && vus > g.maxVUs)
    out.push(`spec.scenarios: up to ${vus} VUs exceed ${limit('maxVUs', g.maxVUs)}`);
  return out;
}

/** Seconds the runner Job may live: start deadline, the plan, and the linger to hand results over. */
export function activeDeadlineSeconds(
  lt: LoadTest,
  startDeadlineSeconds: number,
  lingerSeconds: number,
): number {
  const planSeconds = Math.ceil(planDurationUs(planShard(lt, { index: 0, total: 1 })) / 1e6);
  return startDeadlineSeconds + planSeconds + lingerSeconds;
}
