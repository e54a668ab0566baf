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
 * Open models: global iteration k belongs to shard k mod total. Returns the k-th (0-based) global
 * iteration index owned by this shard.
 */
export function globalIterationIndex(localIndex: number, shard: Shard): number {
  return localIndex * shard.total + shard.index;
}

/** First global VU number for this shard, so VU ids are unique across shards (1-based, like k6). */
export function firstVuId(maxVUsPerShard: (s: Shard) => number, shard: Shard): number {
  let id = 1;
  for (let i = 0; i < shard.index; i++) id += maxVUsPerShard({ index: i, total: shard.total });
  return id;
}
