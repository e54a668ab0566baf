/** report.md: resource usage — the generator's own CPU and memory, and the target's when Prometheus has them. */
import { coresText } from '../analysis/finding-text.js';
import type { TargetResources } from '../analysis/model.js';
import { markdownTable } from './format.js';
import type { Summary } from './summary.js';

const mb = (n: number | null | undefined) => (n === null || n === undefined ? '-' : `${n.toFixed(1)} MB`);
const cores = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toFixed(3));

export function resourcesSection(s: Summary): string[] {
  return ['## Resource usage', '', ...generatorPart(s), ...targetPart(s)];
}

function generatorPart(s: Summary): string[] {
  const g = s.generator;
  const out = ['### Load generator', ''];
  out.push(
    `${g.threads} load thread(s) in ${g.processes} process(es) on ${coresText(g)}. ` +
      `CPU mean ${g.meanCpuPercent}%, max ${g.maxCpuPercent}% (percent of one core). ` +
      `Worst per-second event-loop delay p99: ${g.maxLoopDelayP99Ms} ms. Per second: the Generator CPU column under Throughput over time.`,
  );
  if (g.saturated) {
    out.push('');
    out.push('**The generator was saturated; its latency figures include its own queueing:**');
    out.push('');
    for (const r of g.reasons) out.push(`- ${r}`);
  }
  out.push('');
  const levels = s.scalability?.levels ?? [];
  if (levels.length) {
    out.push(
      markdownTable(
        ['Level', 'Load', 'Generator CPU', 'Generator RSS'],
        levels.map((l) => [
          `${l.index}${l.phase === 'recovery' ? ' (recovery)' : ''}`,
          `${l.load} ${l.unit === 'vus' ? 'VUs' : '/s'}`,
          `${l.generatorCpuPercent.toFixed(0)}%`,
          mb(l.generatorRssMb),
        ]),
      ),
    );
    out.push('');
  }
  return out;
}

function targetPart(s: Summary): string[] {
  const t = s.targetResources;
  const out = ['### Target', ''];
  if (!t)
    return [
      ...out,
      "Not measured: set spec.analysis.prometheus to have the target's CPU and memory per load level here.",
      '',
    ];
  if (t.error) return [...out, `Prometheus (${t.source.url}) could not be used: ${t.error}`, ''];
  out.push(...targetFigures(t));
  const levels = (s.scalability?.levels ?? []).filter(
    (l) => l.targetCpuCores !== undefined || l.targetMemoryMb !== undefined,
  );
  if (levels.length) {
    out.push(
      markdownTable(
        ['Level', 'Load', 'RPS', 'Target CPU (cores)', 'Target memory'],
        levels.map((l) => [
          `${l.index}${l.phase === 'recovery' ? ' (recovery)' : ''}`,
          `${l.load} ${l.unit === 'vus' ? 'VUs' : '/s'}`,
          l.rps.toFixed(1),
          cores(l.targetCpuCores),
          mb(l.targetMemoryMb),
        ]),
      ),
    );
    out.push('');
    out.push("Each level's figure is the mean of the samples inside its window.");
    out.push('');
  }
  out.push(...targetOverTime(t));
  out.push(`CPU query: \`${t.source.cpuQuery}\``);
  out.push('');
  out.push(`Memory query: \`${t.source.memoryQuery}\``);
  out.push('');
  return out;
}

/** Rows of the target's over-time table; longer runs are bucketed (means per bucket). */
const MAX_TARGET_ROWS = 20;

function targetOverTime(t: TargetResources): string[] {
  if (t.series.length < 2) return [];
  const bucket = Math.max(1, Math.ceil(t.series.length / MAX_TARGET_ROWS));
  const mean = (values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  };
  const rows: string[][] = [];
  for (let i = 0; i < t.series.length; i += bucket) {
    const chunk = t.series.slice(i, i + bucket);
    const first = chunk[0] as (typeof chunk)[number];
    const last = chunk[chunk.length - 1] as (typeof chunk)[number];
    rows.push([
      bucket === 1 ? `${first.second}` : `${first.second}-${last.second}`,
      cores(mean(chunk.map((r) => r.cpuCores))),
      mb(mean(chunk.map((r) => r.memoryMb))),
    ]);
  }
  const note = bucket > 1 ? ` Each row is the mean of ${bucket} samples.` : '';
  return [
    markdownTable(['Second', 'Target CPU (cores)', 'Target memory'], rows),
    '',
    `Seconds from the run's start.${note}`,
    '',
  ];
}

function targetFigures(t: TargetResources): string[] {
  const cpu = t.series.flatMap((r) => (r.cpuCores === null ? [] : [r.cpuCores]));
  const memory = t.series.flatMap((r) => (r.memoryMb === null ? [] : [r]));
  const rows: string[][] = [];
  if (cpu.length)
    rows.push([
      'CPU (cores)',
      `mean ${cores(cpu.reduce((a, b) => a + b, 0) / cpu.length)}, peak ${cores(Math.max(...cpu))}`,
    ]);
  const first = memory[0];
  if (first) {
    const peak = Math.max(...memory.map((r) => r.memoryMb as number));
    rows.push(['Memory at start', mb(first.memoryMb)]);
    rows.push([
      'Memory peak',
      `${mb(peak)} (${first.memoryMb ? (peak / first.memoryMb).toFixed(2) : '-'}x the start)`,
    ]);
  }
  rows.push([
    'Memory growth',
    t.memoryGrowthMbPerHour === null
      ? 'too few samples for a trend'
      : `${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour (least-squares line through ${memory.length} samples)`,
  ]);
  rows.push([
    'Leak check',
    t.memoryGrowthMbPerHour === null
      ? 'not judged'
      : t.leakSuspected
        ? `**possible leak**: above ${t.leakThresholdMbPerHour} MB/hour`
        : `no: at or below ${t.leakThresholdMbPerHour} MB/hour`,
  ]);
  return [
    markdownTable(['Figure', 'Value'], rows),
    '',
    `${t.series.length} samples over the run; memory in MB of 2^20 bytes. A short run extrapolates its growth to an hour, so warm-up shows as growth: read the rate together with the run's length.`,
    '',
  ];
}
