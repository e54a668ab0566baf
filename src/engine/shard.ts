/**
 * Exact load splitting. Shard `index` of `total` owns an equal stripe of every quantity; the shares of all
 * shards add up to the whole for any value, so nothing is lost or doubled by rounding.
 */

export interface Shard {
  index: number;
  total: number;
}

/** The whole load as one shard: planning for a report or a check, not for running. */
export const WHOLE: Shard = { index: 0, total: 1 };

/** This shard's share of an integer quantity: floor((i+1)v/n) - floor(iv/n). */
export function shareOf(value: number, shard: Shard): number {
  const { index, total } = shard;
  return Math.floor(((index + 1) * value) / total) - Math.floor((index * value) / total);
}

/**
 * A closed pool of `iterations` run by `vus` VUs: each shard's part in proportion to its VUs, shard i owning
 * floor(I*V<=i/V) - floor(I*V<i/V) where V<i counts the VUs of earlier shards. An even split of iterations
 * would strand some on shards with no VU, and giving those a VU runs more VUs at once than the test asks for.
 * A shard with no VUs owns none, and the parts still sum to `iterations` (the differences telescope).
 */
export function iterationShareOf(iterations: number, vus: number, shard: Shard): number {
  if (vus <= 0) return 0; // no VU to run any (validation requires vus >= 1)
  const before = (index: number) => Math.floor((index * vus) / shard.total);
  return (
    mulDivFloor(iterations, before(shard.index + 1), vus) - mulDivFloor(iterations, before(shard.index), vus)
  );
}

/** floor(a*b/c) exactly for b <= c, even when a*b is past 2^53: a = qc + r, so a*b/c = qb + rb/c. */
function mulDivFloor(a: number, b: number, c: number): number {
  const r = a % c; // exact for integers, unlike a / c
  return ((a - r) / c) * b + Math.floor((r * b) / c);
}

/*
 * A share is not monotone in the value: of 5 shards, shard 2 gets 1 of 2 but 0 of 3. So a shard that
 * follows a changing VU target can need more VUs than its share of the peak; these give the most it needs.
 */

/** The largest share this shard gets of any of `levels`. */
export function largestShare(levels: Iterable<number>, shard: Shard): number {
  let largest = 0;
  for (const level of levels) largest = Math.max(largest, shareOf(level, shard));
  return largest;
}

/** The largest share this shard gets of any whole value from `low` to `high`, as a ramp passes them all. */
export function largestShareBetween(low: number, high: number, shard: Shard): number {
  // A value v below q*n (q = floor(high/n)) gets at most ceil(v/n) <= q, and q*n itself gets exactly q,
  // so only the at most n values from max(low, q*n) to high need looking at.
  const from = Math.max(low, Math.floor(high / shard.total) * shard.total);
  let largest = 0;
  for (let value = from; value <= high; value++) largest = Math.max(largest, shareOf(value, shard));
  return largest;
}

/**
 * Open models: global iteration k belongs to shard k mod total. Returns the k-th (0-based) global
 * iteration index owned by this shard.
 */
export function globalIterationIndex(localIndex: number, shard: Shard): number {
  return localIndex * shard.total + shard.index;
}

/** Where one scenario's VUs are numbered on one shard. */
export interface VuRange {
  /** Its first VU's id: unique across scenarios and shards, 1-based like k6's __VU (templates' `vu`). */
  firstId: number;
  /**
   * Its first VU's lane: 0-based and unique across this shard's scenarios, so `lane % connections` gives
   * each VU its own connection when the shard has one per VU (ids would collide there across shards).
   */
  firstLane: number;
}

/**
 * Numbers every scenario's VUs on `shard`, in spec order; `maxVUsOf(s)` lists each scenario's VUs on shard
 * `s`. Ids: a scenario's follow all of earlier scenarios' on every shard, and within it shard i's follow
 * earlier shards'. Lanes: the shard's scenarios side by side, from 0.
 */
export function vuRanges(maxVUsOf: (shard: Shard) => readonly number[], shard: Shard): VuRange[] {
  const { index, total } = shard;
  const perShard = Array.from({ length: total }, (_, i) => maxVUsOf({ index: i, total }));
  const own = perShard[index] ?? [];
  let idsBefore = 0;
  let lanesBefore = 0;
  return own.map((vus, scenario) => {
    const range = { firstId: 1 + idsBefore, firstLane: lanesBefore };
    for (let i = 0; i < total; i++) {
      const count = perShard[i]?.[scenario] ?? 0;
      if (i < index) range.firstId += count;
      idsBefore += count;
    }
    lanesBefore += vus;
    return range;
  });
}
