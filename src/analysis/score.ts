/**
 * The load test score: a number out of 100 made of named parts, each with its points, its maximum and why.
 * A part whose data the run did not have (no thresholds, no load levels, no target memory) is listed with
 * max 0, so it neither rewards nor punishes; the score is the share of the points that could be earned.
 */

import type { Scalability, Score } from './model.js';
import type { Summary } from './summary-model.js';

/** An error rate at or above this earns no error points; zero errors earn them all. */
export const SCORE_ERROR_RATE_ZERO = 0.05;
/** p99/p50 at or below this earns every tail point; at or above the second, none. */
export const TAIL_RATIO_GOOD = 3;
export const TAIL_RATIO_BAD = 20;

const MAX = {
  errors: 25,
  thresholds: 20,
  scalability: 20,
  tail: 10,
  completion: 10,
  generator: 10,
  memory: 5,
} as const;

const RATING_SHARE: Record<Scalability['rating'], number | null> = {
  linear: 1,
  sublinear: 0.7,
  saturating: 0.4,
  broke: 0,
  'insufficient-data': null,
};

const OUTCOME_SHARE: Record<Summary['outcome'], number> = {
  completed: 1,
  interrupted: 0.5,
  'aborted-by-threshold': 0,
  failed: 0,
};

export const SCORE_FORMULA =
  'score = round(100 × Σ points / Σ max) over the parts with data. ' +
  `errors ${MAX.errors} × (1 − errorRate / ${SCORE_ERROR_RATE_ZERO * 100}%), floored at 0; ` +
  `thresholds ${MAX.thresholds} × passed / set; ` +
  `scalability ${MAX.scalability} × rating (linear 1, sublinear 0.7, saturating 0.4, broke 0); ` +
  `latency tail ${MAX.tail} × (${TAIL_RATIO_BAD} − p99/p50) / (${TAIL_RATIO_BAD} − ${TAIL_RATIO_GOOD}), clamped to 0..1; ` +
  `completion ${MAX.completion} × (completed 1, interrupted 0.5, aborted or failed 0); ` +
  `generator ${MAX.generator} if not saturated, else 0; ` +
  `target memory ${MAX.memory} unless a leak is suspected.`;

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));
const round1 = (n: number) => Math.round(n * 10) / 10;

type Part = Score['parts'][number];

function part(name: string, max: number, share: number | null, why: string): Part {
  return share === null
    ? { name, points: 0, max: 0, why }
    : { name, points: round1(max * clamp01(share)), max, why };
}

export function scoreRun(s: Summary): Score {
  const parts: Part[] = [];
  const rate = s.totals.errorRate;
  parts.push(
    s.totals.requests === 0
      ? part('errors', MAX.errors, null, 'no requests were made')
      : part(
          'errors',
          MAX.errors,
          1 - rate / SCORE_ERROR_RATE_ZERO,
          `${(rate * 100).toFixed(2)}% of ${s.totals.requests} requests failed`,
        ),
  );
  const passed = s.thresholds.filter((t) => t.passed).length;
  parts.push(
    s.thresholds.length
      ? part(
          'thresholds',
          MAX.thresholds,
          passed / s.thresholds.length,
          `${passed} of ${s.thresholds.length} thresholds passed`,
        )
      : part('thresholds', MAX.thresholds, null, 'no thresholds were set'),
  );
  const rating = s.scalability?.rating ?? 'insufficient-data';
  parts.push(
    part(
      'scalability',
      MAX.scalability,
      RATING_SHARE[rating],
      s.scalability ? `rated ${rating}` : 'no load levels were measured',
    ),
  );
  const l = s.latency;
  parts.push(
    l.count && l.p50Ms > 0
      ? part(
          'latency tail',
          MAX.tail,
          (TAIL_RATIO_BAD - l.p99Ms / l.p50Ms) / (TAIL_RATIO_BAD - TAIL_RATIO_GOOD),
          `p99 ${l.p99Ms} ms is ${(l.p99Ms / l.p50Ms).toFixed(1)}x p50 ${l.p50Ms} ms`,
        )
      : part('latency tail', MAX.tail, null, 'no latency was measured'),
  );
  parts.push(part('completion', MAX.completion, OUTCOME_SHARE[s.outcome], `the run ${s.outcome}`));
  parts.push(
    part(
      'generator',
      MAX.generator,
      s.generator.saturated ? 0 : 1,
      s.generator.saturated ? 'the generator was saturated' : 'the generator kept up',
    ),
  );
  const t = s.targetResources;
  parts.push(
    t && t.memoryGrowthMbPerHour !== null
      ? part(
          'target memory',
          MAX.memory,
          t.leakSuspected ? 0 : 1,
          `memory grew ${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour (limit ${t.leakThresholdMbPerHour})`,
        )
      : part('target memory', MAX.memory, null, 'the target memory was not measured'),
  );
  const earned = parts.reduce((n, p) => n + p.points, 0);
  const possible = parts.reduce((n, p) => n + p.max, 0);
  return {
    value: possible ? Math.round((100 * earned) / possible) : 0,
    formula: SCORE_FORMULA,
    parts,
  };
}
