/**
 * The one open-model engine, shared by the arrival-rate executors and breakpoint's rate unit. Iteration k
 * of the whole test is due at an absolute offset from the scenario start (never "now + interval"), shard j
 * runs the k with k mod n = j, and an iteration that finds no free VU is dropped and counted, never delayed;
 * so is one still due but not started when the scenario ends (a generator too busy to reach it).
 */
import { durationUs } from '../api/duration.js';
import type { ScenarioPlan } from './executor.js';
import type { ScenarioRuntime } from './scenario-runtime.js';
import { globalIterationIndex } from './shard.js';
import type { VU } from './vu.js';

/** Global iteration k -> due offset in µs from the scenario start, or undefined once past the end. */
export type ArrivalSchedule = (k: number) => number | undefined;

/** Yield to I/O after this many back-to-back due iterations, so a backlog cannot starve responses. */
const MAX_BURST_BEFORE_YIELD = 64;

/**
 * Iterations due within this long of the next one share one wake-up at the last of them. A precise wake
 * costs the generator ~30 µs of CPU (two thread switches through the clock thread), so at 5,000/s one
 * wake per iteration cost more than the requests; sharing adds at most this much to an iteration's
 * schedule lag, which each still records as measured. Never earlier: the wake is at a due instant.
 */
export const WAKE_SHARE_MS = 0.5;
/** Bounds the look-ahead per wake (a very high rate packs many iterations into the window). */
const MAX_SHARED_WAKE = 16;

export function constantSchedule(
  ratePerTimeUnit: number,
  timeUnitUs: number,
  totalUs: number,
): ArrivalSchedule {
  const intervalUs = timeUnitUs / ratePerTimeUnit;
  return (k) => {
    const offsetUs = k * intervalUs;
    return offsetUs < totalUs ? offsetUs : undefined;
  };
}

interface RampSegment {
  startUs: number;
  durationUs: number;
  /** Rates in iterations per µs at the segment's start and end. */
  r0: number;
  r1: number;
  /** Iterations due before the segment starts. */
  before: number;
}

/**
 * Ramping rate: the rate moves linearly across each stage. Iteration k is due when the integral of the rate
 * reaches k, solved per segment in closed form.
 */
export function rampingSchedule(
  startRate: number,
  stages: readonly { duration: string; target: number }[],
  timeUnitUs: number,
): ArrivalSchedule {
  const pieces: RatePiece[] = [];
  let startUs = 0;
  let r0 = startRate / timeUnitUs;
  for (const stage of stages) {
    const d = durationUs(stage.duration);
    const r1 = stage.target / timeUnitUs;
    pieces.push({ startUs, durationUs: d, r0, r1 });
    startUs += d;
    r0 = r1;
  }
  return piecewiseSchedule(pieces);
}

/** Contiguous pieces from offset 0, each with a rate (iterations per µs) moving linearly from r0 to r1. */
export interface RatePiece {
  startUs: number;
  durationUs: number;
  r0: number;
  r1: number;
}

/**
 * Iteration k is due when the integral of the rate reaches k, solved per piece in closed form. Serves
 * ramps (ramping-arrival-rate) and steps (breakpoint: pieces with r0 = r1).
 */
export function piecewiseSchedule(pieces: readonly RatePiece[]): ArrivalSchedule {
  const segments: RampSegment[] = [];
  let before = 0;
  for (const p of pieces) {
    segments.push({ ...p, before });
    before += ((p.r0 + p.r1) / 2) * p.durationUs;
  }
  let cursor = 0;
  return (k) => {
    // Callers ask for growing k, so a moving cursor keeps lookups O(1) amortized; rewind for any other order.
    if (cursor >= segments.length || k < (segments[cursor] as RampSegment).before) cursor = 0;
    while (
      cursor < segments.length &&
      k >= (segments[cursor] as RampSegment).before + segmentTotal(segments[cursor] as RampSegment)
    ) {
      cursor++;
    }
    const seg = segments[cursor];
    if (!seg) return undefined;
    const x = k - seg.before;
    if (x <= 0) return seg.startUs;
    const a = (seg.r1 - seg.r0) / (2 * seg.durationUs);
    // Solve a*t^2 + r0*t = x for t >= 0; this form is stable when a is near zero.
    const disc = seg.r0 * seg.r0 + 4 * a * x;
    const t = a === 0 ? x / seg.r0 : (2 * x) / (seg.r0 + Math.sqrt(Math.max(0, disc)));
    return seg.startUs + Math.min(t, seg.durationUs);
  };
}

function segmentTotal(seg: RampSegment): number {
  return ((seg.r0 + seg.r1) / 2) * seg.durationUs;
}

/**
 * Walks this shard's due offsets in order, with a look-ahead for shared wakes. `lastDueWithin` reads
 * ahead (keeping what it read for `next`), so the schedule is still asked for growing k only.
 */
export class ArrivalCursor {
  private local = 0;
  private readonly ahead: number[] = [];

  constructor(
    private readonly schedule: ArrivalSchedule,
    private readonly shard: ScenarioPlan['shard'],
    private readonly durationUs: number,
  ) {}

  private read(): number | undefined {
    const offsetUs = this.schedule(globalIterationIndex(this.local + this.ahead.length, this.shard));
    return offsetUs === undefined || offsetUs >= this.durationUs ? undefined : offsetUs;
  }

  /** The next due offset in µs from the scenario start, or undefined once the schedule ends. */
  next(): number | undefined {
    const offsetUs = this.ahead.length > 0 ? this.ahead.shift() : this.read();
    if (offsetUs !== undefined) this.local++;
    return offsetUs;
  }

  /**
   * How many iterations not taken yet are due at or before `limitUs`, without taking them: a search over
   * the schedule (monotone in k), O(log n) lookups, so a backlog of millions costs microseconds.
   */
  dueBy(limitUs: number): number {
    const dueAt = (i: number) => {
      const offsetUs = this.schedule(globalIterationIndex(i, this.shard));
      return offsetUs !== undefined && offsetUs < this.durationUs && offsetUs <= limitUs;
    };
    if (!dueAt(this.local)) return 0;
    // Grow past the last due index, then bisect: dueAt(lo) holds, dueAt(hi) does not.
    let lo = this.local;
    let step = 1;
    while (dueAt(lo + step)) {
      lo += step;
      step *= 2;
    }
    let hi = lo + step;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (dueAt(mid)) lo = mid;
      else hi = mid;
    }
    return lo + 1 - this.local;
  }

  /** The last upcoming due offset at or before `limitUs` (at least `firstUs`, the one just taken). */
  lastDueWithin(firstUs: number, limitUs: number): number {
    let last = firstUs;
    for (let i = 0; i < MAX_SHARED_WAKE; i++) {
      let offsetUs = this.ahead[i];
      if (offsetUs === undefined) {
        offsetUs = this.read();
        if (offsetUs === undefined) break;
        this.ahead.push(offsetUs);
      }
      if (offsetUs > limitUs) break;
      last = offsetUs;
    }
    return last;
  }
}

export async function runArrivals(
  plan: ScenarioPlan,
  rt: ScenarioRuntime,
  schedule: ArrivalSchedule,
  preAllocatedVUs: number,
): Promise<void> {
  const idle: VU[] = [];
  for (let i = 0; i < preAllocatedVUs; i++) idle.push(rt.newVU());
  let allocated = preAllocatedVUs;
  const release = (vu: VU) => () => {
    idle.push(vu);
  };
  const cursor = new ArrivalCursor(schedule, plan.shard, plan.durationUs);
  let burst = 0;
  // Past the scenario's end nothing more starts, however far behind the generator is.
  const endMs = rt.startMs + plan.durationUs / 1000;
  while (rt.accepting) {
    const offsetUs = cursor.next();
    if (offsetUs === undefined) break;
    const dueMs = rt.startMs + offsetUs / 1000;
    const nowMs = rt.nowMs();
    if (nowMs >= endMs) {
      rt.recorder.dropped();
      break;
    }
    if (dueMs > nowMs) {
      burst = 0;
      const wakeUs = cursor.lastDueWithin(offsetUs, offsetUs + WAKE_SHARE_MS * 1000);
      await rt.waitUntil(rt.startMs + wakeUs / 1000);
      if (!rt.accepting) {
        if (dueMs <= rt.nowMs()) rt.recorder.dropped();
        break;
      }
    } else if (++burst >= MAX_BURST_BEFORE_YIELD) {
      burst = 0;
      await rt.yieldToIO();
    }
    let vu = idle.pop();
    if (!vu && allocated < plan.maxVUs) {
      vu = rt.newVU();
      allocated++;
    }
    if (!vu) {
      rt.recorder.dropped();
      continue;
    }
    rt.recorder.lag((rt.nowMs() - dueMs) * 1000);
    void rt.iterate(vu, dueMs).then(release(vu));
  }
  // Iterations already due when the scenario stopped taking them were never started: a generator too busy
  // to reach them drops them, and they count as dropped (not silently lost). Those not yet due are not.
  const unstarted = cursor.dueBy((rt.nowMs() - rt.startMs) * 1000);
  if (unstarted > 0) rt.recorder.dropped(unstarted);
}
