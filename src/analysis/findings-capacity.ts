/**
 * The capacity limit a stepped or breakpoint run found: the last level within the SLO against the level
 * where a stop condition held, with the target's own usage when it was measured. Pure.
 */

import { loadText, ms, pct } from './finding-text.js';
import type { Finding, LevelSummary } from './model.js';
import type { Summary } from './summary-model.js';

function levelLine(l: LevelSummary): string {
  const target =
    l.targetCpuCores !== undefined || l.targetMemoryMb !== undefined
      ? `; target CPU ${l.targetCpuCores?.toFixed(2) ?? '–'} cores, memory ${l.targetMemoryMb?.toFixed(0) ?? '–'} MB`
      : '';
  return `level ${l.index} (${loadText(l)}): ${l.rps.toFixed(1)} requests/s, p95 ${ms(l.p95Ms)}, errors ${pct(l.errorRate)}${target}`;
}

/** What runs out at the break: the target's CPU growth when measured, otherwise how to measure it. */
function limitingHint(first: LevelSummary, broke: LevelSummary): string {
  if (broke.targetCpuCores === undefined || first.targetCpuCores === undefined)
    return 'measure the target (spec.analysis.prometheus) to see whether CPU or memory ran out there, or whether it waited on something else';
  const grew =
    first.targetCpuCores > 0 ? broke.targetCpuCores / first.targetCpuCores : Number.POSITIVE_INFINITY;
  return `the target used ${broke.targetCpuCores.toFixed(2)} cores there (${Number.isFinite(grew) ? `${grew.toFixed(1)}x` : 'up from none'} the lightest level): ${grew >= 1.5 ? 'CPU grew with the load, so more CPU or replicas should raise the limit' : 'CPU did not grow with the load, so it waited on something else (pools, locks, a downstream)'}`;
}

export function capacityLimitFinding(s: Summary): Finding | undefined {
  const sc = s.scalability;
  const broken = sc?.breakingPoint?.value;
  if (!sc || !broken) return undefined;
  const levels = sc.levels.filter((l) => l.phase === 'load');
  const broke = levels.find((l) => l.index === broken.level);
  const first = levels[0];
  if (!broke || !first) return undefined;
  const held = sc.capacityAtSlo.value
    ? levels.find((l) => l.index === sc.capacityAtSlo.value?.level)
    : undefined;
  const recovery = sc.recovery?.value;
  const evidence = [
    ...(held ? [`last level within the SLO: ${levelLine(held)}`] : ['no level was within the SLO']),
    `breaking level: ${levelLine(broke)}; ${broken.condition} held`,
    `lightest level: ${levelLine(first)}`,
    ...(recovery
      ? [
          recovery.recovered
            ? `after the load dropped, p95 was back within bounds in ${recovery.seconds} s`
            : `after the load dropped, p95 had not recovered within ${recovery.seconds} s`,
        ]
      : []),
  ];
  const plan = held
    ? `Plan for at most about ${Math.round(held.rps)} requests/s per deployment of this target as tested (level ${held.index}), with headroom for peaks`
    : 'Even the lightest level missed the SLO: fix the target, or the SLO, before planning capacity';
  return {
    id: 'capacity-limit',
    // Not recovering is an outage risk; a limit found on purpose is the point of the test.
    severity: recovery && !recovery.recovered ? 'critical' : 'warning',
    title: `The target broke at ${loadText(broke)}${held ? ` after holding ${Math.round(held.rps)} requests/s within the SLO` : ''}`,
    evidence,
    recommendation: `${plan}. To raise the limit, ${limitingHint(first, broke)}.`,
  };
}
