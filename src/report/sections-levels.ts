/**
 * The load-level part of the report: one row per level and the figures derived from them, each with the
 * method that produced it. Markdown lines for report.md and one console line for the breaking point.
 */
import type { Scalability } from '../analysis/model.js';
import { degradationFigures, fmtCount, fmtMsOrNoData, fmtPercent, fmtRate, markdownTable } from './format.js';
import type { Summary } from './summary.js';

const unitOf = (s: Scalability) => (s.levels[0]?.unit === 'vus' ? ' VUs' : '/s');

export function renderLevelsSection(summary: Summary): string[] {
  const s = summary.scalability;
  if (!s) return [];
  const unit = unitOf(s);
  const out: string[] = ['## Response times by load level', ''];
  if (s.method) out.push(`Levels: ${s.method}.`, '');
  if (s.levels.length) {
    out.push(
      markdownTable(
        [
          'Level',
          'Phase',
          'Load',
          'Seconds',
          'RPS',
          'p50',
          'p95',
          'p99',
          'Errors',
          'Gen CPU',
          'Gen RSS',
          'SLO',
          'Stop conditions met',
        ],
        s.levels.map((l) => [
          String(l.index),
          l.phase,
          `${fmtCount(l.load)}${unit}`,
          `${+l.fromSecond.toFixed(1)}–${+l.toSecond.toFixed(1)}`,
          fmtRate(l.rps),
          fmtMsOrNoData(l.p50Ms),
          fmtMsOrNoData(l.p95Ms),
          fmtMsOrNoData(l.p99Ms),
          fmtPercent(l.errorRate),
          `${l.generatorCpuPercent}%`,
          l.generatorRssMb === undefined ? '–' : `${l.generatorRssMb} MB`,
          l.withinSlo ? 'met' : 'missed',
          l.stopConditionsMet.join(', ') || '–',
        ]),
      ),
      '',
    );
  } else out.push('No level has measured data.', '');
  return out;
}

/** The derived figures (linear range, degradation, breaking point, recovery, capacity), each with its method. */
export function derivedFiguresTable(s: Scalability): string {
  const unit = unitOf(s);
  const v = (d: { value: unknown }) => d.value !== null;
  const rows: [string, string, string][] = [
    [
      'Linear-scaling range',
      v(s.linearRange) ? `${s.linearRange.value?.fromLoad} to ${s.linearRange.value?.toLoad}${unit}` : 'none',
      s.linearRange.method,
    ],
    [
      'Degradation point',
      s.degradationPoint.value
        ? `level ${s.degradationPoint.value.level} (${s.degradationPoint.value.load}${unit}): ${degradationFigures(s.degradationPoint.value)}`
        : 'none',
      s.degradationPoint.method,
    ],
    [
      'Breaking point',
      s.breakingPoint.value
        ? `level ${s.breakingPoint.value.level} (${s.breakingPoint.value.load}${unit}): ${s.breakingPoint.value.condition}`
        : 'none',
      s.breakingPoint.method,
    ],
    [
      'Recovery time',
      s.recovery.value
        ? `${s.recovery.value.seconds} s${s.recovery.value.recovered ? '' : ' (not recovered)'}`
        : 'not measured',
      s.recovery.method,
    ],
    [
      'Capacity at the SLO',
      s.capacityAtSlo.value
        ? `level ${s.capacityAtSlo.value.level} (${s.capacityAtSlo.value.load}${unit}), ${fmtRate(s.capacityAtSlo.value.rps)} rps`
        : 'none',
      s.capacityAtSlo.method,
    ],
  ];
  return markdownTable(['Figure', 'Value', 'Method'], rows);
}

/** "breaking point: load 125/s at level 4 (p(95)>250ms), recovered in 1.1 s", or undefined without levels. */
export function breakingPointLine(summary: Summary): string | undefined {
  const s = summary.scalability;
  if (!s?.levels.length) return undefined;
  const unit = unitOf(s);
  const b = s.breakingPoint.value;
  const recovery = s.recovery.value
    ? s.recovery.value.recovered
      ? `, recovered in ${s.recovery.value.seconds} s`
      : `, not recovered within ${s.recovery.value.seconds} s`
    : '';
  const capacity = s.capacityAtSlo.value ? `; capacity at SLO ${s.capacityAtSlo.value.load}${unit}` : '';
  return b
    ? `breaking point: load ${b.load}${unit} at level ${b.level} (${b.condition})${recovery}${capacity}`
    : `${s.levels.length} load levels, no breaking point: ${s.breakingPoint.method}${recovery}${capacity}`;
}
