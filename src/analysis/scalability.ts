/**
 * What the load levels show (pure): how far throughput scaled, where latency degraded, where the system
 * broke, how fast it recovered and the highest load that kept the SLO. Every figure says how it was got.
 */
import type { SteppingStop } from '../metrics/snapshot.js';
import type { RecoverySecond } from './levels.js';
import type { LevelSummary, Scalability } from './model.js';
import { DEFAULT_MAX_ERROR_RATE } from './verdict.js';

/** Throughput per unit of load may fall this far below the first level's and still count as linear. */
export const LINEAR_EFFICIENCY = 0.9;
/** p95 this many times the first level's marks the degradation point. */
export const DEGRADATION_FACTOR = 2;
/** p95 back within this many times the first level's counts as recovered. */
export const RECOVERY_FACTOR = 2;
/**
 * An error rate at or above this degrades a level, and keeps a recovery second from counting, whatever its
 * latency: the default error budget, so a level that would fail a run unjudged is never "healthy".
 */
export const DEGRADED_ERROR_RATE = DEFAULT_MAX_ERROR_RATE;
const BAR = `${DEGRADED_ERROR_RATE * 100}%`;

/** Failing too often, or nothing answered: a level the target did not serve, however fast its few answers. */
const erred = (l: { p95Ms: number | null; errorRate: number }): boolean =>
  l.p95Ms === null || l.errorRate >= DEGRADED_ERROR_RATE;

export interface ScalabilityInput {
  levels: LevelSummary[];
  stopConditions: string[];
  /** The live decision to stop stepping, when there was one. */
  stop?: SteppingStop;
  recoveryFromSecond?: number;
  recoverySeries?: RecoverySecond[];
  method?: string;
}

export function analyzeScalability(input: ScalabilityInput): Scalability {
  const load = input.levels.filter((l) => l.phase === 'load' && l.requests > 0);
  const base = load[0];
  const scalability: Scalability = {
    levels: input.levels,
    linearRange: linearRange(load),
    degradationPoint: degradationPoint(load),
    breakingPoint: breakingPoint(load, input),
    recovery: recovery(base, input),
    capacityAtSlo: capacityAtSlo(load),
    rating: 'insufficient-data',
    ...(input.method ? { method: input.method } : {}),
  };
  if (load.length >= 2) {
    scalability.rating = scalability.breakingPoint.value
      ? 'broke'
      : scalability.degradationPoint.value
        ? 'saturating'
        : scalability.linearRange.value?.toLoad === load.at(-1)?.load
          ? 'linear'
          : 'sublinear';
  }
  return scalability;
}

const tooFew = (what: string): string => `needs at least 2 load levels with requests to find ${what}`;

function linearRange(load: LevelSummary[]): Scalability['linearRange'] {
  const method = `throughput per unit of load (rps / load) at least ${LINEAR_EFFICIENCY * 100}% of the first level's, from the first level to the last level before it first falls below`;
  const base = load[0];
  if (!base || load.length < 2) return { value: null, method: tooFew('a linear range') };
  const perUnit = base.rps / base.load;
  let last = base;
  for (const l of load.slice(1)) {
    if (l.rps / l.load < LINEAR_EFFICIENCY * perUnit) break;
    last = l;
  }
  return { value: { fromLoad: base.load, toLoad: last.load }, method };
}

function degradationPoint(load: LevelSummary[]): Scalability['degradationPoint'] {
  const base = load[0];
  if (!base || load.length < 2) return { value: null, method: tooFew('a degradation point') };
  const baseP95 = base.p95Ms;
  const latency = baseP95
    ? `p95 exceeds ${DEGRADATION_FACTOR}x the first level's (${baseP95} ms at load ${base.load})`
    : 'p95 (not judged: the first level has no latency)';
  const method = `first level whose ${latency}, or whose error rate reached ${BAR} (the default error budget) or that had no answered request; factor is the measured p95 ratio`;
  const slower = (l: LevelSummary) => !!baseP95 && l.p95Ms !== null && l.p95Ms > DEGRADATION_FACTOR * baseP95;
  const hit = load.find((l, i) => erred(l) || (i > 0 && slower(l)));
  if (!hit) return { value: null, method: `${method}: none did` };
  const factor = baseP95 && hit.p95Ms !== null ? round(hit.p95Ms / baseP95) : null;
  return {
    value: {
      level: hit.index,
      load: hit.load,
      p95Ms: hit.p95Ms,
      factor,
      ...(erred(hit) ? { errorRate: hit.errorRate } : {}),
    },
    method,
  };
}

function breakingPoint(load: LevelSummary[], input: ScalabilityInput): Scalability['breakingPoint'] {
  if (!input.stopConditions.length)
    return {
      value: null,
      method: 'no stop conditions (stopWhen) configured, so no breaking point is sought',
    };
  const conditions = input.stopConditions.join(' or ');
  const hit = load.find((l) => l.stopConditionsMet.length > 0);
  if (hit) {
    return {
      value: { level: hit.index, load: hit.load, condition: hit.stopConditionsMet[0] as string },
      method: `first level where a stop condition (${conditions}) held over the level's window${liveNote(input.stop)}`,
    };
  }
  if (input.stop) {
    // The live decision saw the condition on a window the final per-level figures no longer cover.
    const stopped = load.find((l) => l.index === input.stop?.level);
    if (stopped) {
      return {
        value: { level: stopped.index, load: stopped.load, condition: input.stop.condition },
        method: `the level at which the merged live data met a stop condition (${conditions})${liveNote(input.stop)}`,
      };
    }
  }
  return {
    value: null,
    method: `no stop condition (${conditions}) held up to the last level (load ${load.at(-1)?.load ?? 'none'})`,
  };
}

function liveNote(stop: SteppingStop | undefined): string {
  return stop
    ? `; stepping stopped live at ${round(stop.stoppedAtMs / 1000, 1)} s on "${stop.condition}" at level ${stop.level}`
    : '';
}

function recovery(base: LevelSummary | undefined, input: ScalabilityInput): Scalability['recovery'] {
  const series = input.recoverySeries ?? [];
  const from = input.recoveryFromSecond;
  if (from === undefined || !base)
    return { value: null, method: 'no recovery phase (recovery) in this run, or no baseline level' };
  if (base.p95Ms === null)
    return { value: null, method: 'the first level has no latency (nothing answered) to recover to' };
  const limitMs = RECOVERY_FACTOR * base.p95Ms;
  // Judged as the levels are: answered requests fast enough, errors under the bar, no stop condition held.
  const method = `from the load drop at ${round(from, 1)} s to the end of the first second whose p95 was within ${RECOVERY_FACTOR}x the first level's (${round(limitMs, 3)} ms), whose error rate was below ${BAR} and over which no stop condition on latency, errors or checks held; per-second resolution`;
  if (!series.length) return { value: null, method: `${method}: no data in the recovery window` };
  const back = series.find(
    (s) =>
      s.requests > 0 &&
      s.p95Ms !== null &&
      s.p95Ms <= limitMs &&
      s.failures / s.requests < DEGRADED_ERROR_RATE &&
      !s.stopConditionHeld,
  );
  const last = series.at(-1) as RecoverySecond;
  return back
    ? { value: { seconds: round(Math.max(0, back.second - from), 1), recovered: true }, method }
    : {
        value: { seconds: round(last.second - from, 1), recovered: false },
        method: `${method}: not back within the recovery window (seconds is the window)`,
      };
}

function capacityAtSlo(load: LevelSummary[]): Scalability['capacityAtSlo'] {
  const method =
    'highest-load level over which every threshold that can be judged per level held and no stop condition did';
  const within = load.filter((l) => l.withinSlo);
  const best = within.reduce<LevelSummary | undefined>((b, l) => (!b || l.load > b.load ? l : b), undefined);
  const value = best ? { level: best.index, load: best.load, rps: best.rps } : null;
  return { value, method: best ? method : `${method}: no level did` };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
