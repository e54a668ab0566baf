/** How findings word their figures: one place, so every finding says a number the same way. */
import type { CoresFrom } from '../metrics/cpu-quota.js';
import type { LevelSummary } from './model.js';

export const pct = (fraction: number): string => `${(fraction * 100).toFixed(fraction < 0.1 ? 2 : 1)}%`;

/** Null when nothing was answered (a level or window without latency): said so, never 0 ms. */
export const ms = (n: number | null): string =>
  n === null ? 'no data' : `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} ms`;

export const loadText = (l: LevelSummary): string => `${l.load} ${l.unit === 'vus' ? 'VUs' : 'iterations/s'}`;

/** The generator's cores as every report says them: "2 cores", "0.5 cores (cgroup quota)". */
export const coresText = (g: { cores: number; coresFrom?: CoresFrom | undefined }): string =>
  `${Number(g.cores.toFixed(3))} ${g.cores === 1 ? 'core' : 'cores'}${g.coresFrom === 'cgroup quota' ? ' (cgroup quota)' : ''}`;
