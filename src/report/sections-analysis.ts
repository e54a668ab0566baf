/** report.md: what the data means — scalability assessment, findings, the performance budget, capacity and recommendations. */

import { DEFAULT_MAX_ERROR_RATE } from '../analysis/verdict.js';
import { fmtRate, fmtThresholdValue, markdownTable } from './format.js';
import { derivedFiguresTable } from './sections-levels.js';
import type { Summary } from './summary.js';

export function scalabilitySection(s: Summary): string[] {
  const out = ['## Scalability assessment', ''];
  const sc = s.scalability;
  if (!sc)
    return [
      ...out,
      'No load levels were measured: a stepped or breakpoint scenario (or ramping stages with plateaus) would fill this section.',
      '',
    ];
  out.push(`**Rating: ${sc.rating}**`, '', derivedFiguresTable(sc));
  out.push('');
  return out;
}

export function findingsSection(s: Summary): string[] {
  if (!s.findings) return [];
  const out = ['## Bottlenecks and findings', ''];
  if (!s.findings.length)
    return [
      ...out,
      "No findings: none of the checks (generator saturation, throughput plateau, error mix, memory growth, pool wait, WebSocket connects, slow steps) found anything in this run's data.",
      '',
    ];
  for (const f of s.findings) {
    out.push(`### ${f.severity.toUpperCase()}: ${f.title}`);
    out.push('');
    for (const e of f.evidence) out.push(`- ${e}`);
    out.push('');
  }
  return out;
}

/** The thresholds as a budget: what was set, what was measured, and whether it held. */
export function budgetSection(s: Summary): string[] {
  const out = ['## Performance budget', ''];
  const rows = s.thresholds.map((t) => [
    t.metric,
    t.threshold + (t.abortOnFail ? ' (abortOnFail)' : ''),
    fmtThresholdValue(t.actual, t.unit),
    t.passed ? 'pass' : '**FAIL**',
  ]);
  for (const g of s.gates ?? []) rows.push([g.name, g.rule, g.actual, g.passed ? 'pass' : '**FAIL**']);
  const t = s.targetResources;
  // Summaries written before gates existed carry the memory budget only here.
  if (!s.gates && t && t.memoryGrowthMbPerHour !== null)
    rows.push([
      'target memory growth',
      `<= ${t.leakThresholdMbPerHour} MB/hour`,
      `${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour`,
      t.leakSuspected ? '**FAIL**' : 'pass',
    ]);
  const note = s.thresholds.length
    ? []
    : [
        `No thresholds were set, so the default gates apply: at least one successful request and an error rate below ${DEFAULT_MAX_ERROR_RATE * 100}%; spec.thresholds replaces the error-rate gate.`,
        '',
      ];
  if (rows.length) out.push(...note);
  if (!rows.length)
    return [
      ...out,
      'No thresholds were set, so the verdict only reflects whether the run completed; spec.thresholds would fill this table.',
      '',
    ];
  return [...out, markdownTable(['Metric', 'Target', 'Current', 'Status'], rows), ''];
}

/** Capacity from the levels (or the plateau a finding saw), then one recommendation per finding that has one. */
export function recommendationsSection(s: Summary): string[] {
  if (!s.findings) return [];
  const out = ['## Capacity planning and recommendations', ''];
  const sc = s.scalability;
  const plateau = s.findings.find((f) => f.id === 'saturation');
  if (sc?.capacityAtSlo.value) {
    const c = sc.capacityAtSlo.value;
    out.push(
      `Capacity within the SLO: ${fmtRate(c.rps)} requests/s at load ${c.load} (level ${c.level}; ${sc.capacityAtSlo.method}).`,
    );
    out.push('');
  } else if (plateau) {
    out.push(`Capacity: ${plateau.title.toLowerCase()} (see the finding above).`);
    out.push('');
  } else if (s.verdict === 'failed') {
    out.push(
      "Capacity: below this run's load — it did not pass (see the verdict and the performance budget); a stepped scenario would locate the limit.",
    );
    out.push('');
  } else {
    out.push(
      `Capacity: at least ${fmtRate(s.totals.rps)} requests/s — this run found no limit (no failed threshold, no throughput plateau); a stepped scenario with higher levels would find one.`,
    );
    out.push('');
  }
  const withAdvice = s.findings.filter((f) => f.recommendation);
  if (!withAdvice.length) {
    out.push('No recommendations: no finding called for one.');
    out.push('');
    return out;
  }
  withAdvice.forEach((f, i) => {
    out.push(`${i + 1}. **${f.title}** (${f.severity}): ${f.recommendation}`);
  });
  out.push('');
  return out;
}
