/** The end-of-test summary for a terminal. */
import { coresText } from '../analysis/finding-text.js';
import { consoleAnalysisLines } from './console-analysis.js';
import { fmtCount, fmtMs, fmtPercent, fmtRate, fmtStat, fmtThresholdValue, textTable } from './format.js';
import { consoleCustomLines } from './sections-custom.js';
import { breakingPointLine } from './sections-levels.js';
import { consoleProtocolLines, latencyCells } from './sections-protocols.js';
import type { Summary } from './summary.js';

export function renderConsoleSummary(s: Summary): string {
  const out: string[] = [];
  out.push(
    `\n${s.loadTest.name}: ${s.outcome} after ${s.durationSeconds}s against ${s.target} — verdict ${s.verdict.toUpperCase()}`,
  );
  if (s.outcomeDetail) out.push(`  ${s.outcomeDetail}`);
  out.push(
    `  ${fmtCount(s.totals.requests)} requests, ${fmtRate(s.totals.rps)}/s, errors ${fmtPercent(s.totals.errorRate)}, ` +
      `${fmtCount(s.totals.iterations)} iterations` +
      (s.totals.droppedIterations ? `, ${fmtCount(s.totals.droppedIterations)} dropped` : '') +
      (s.totals.interruptedIterations ? `, ${fmtCount(s.totals.interruptedIterations)} interrupted` : ''),
  );
  out.push(latencyModelLine(s));
  out.push('');
  const rows = s.steps.map((st) => [
    `${st.scenario}/${st.step}`,
    fmtCount(st.requests),
    fmtRate(st.rps),
    ...latencyCells(st),
    st.failures ? `${fmtCount(st.failures)} (${fmtPercent(st.errorRate)})` : '0',
  ]);
  rows.push([
    'ALL',
    fmtCount(s.totals.requests),
    fmtRate(s.totals.rps),
    ...[
      s.latency.meanMs,
      s.latency.p50Ms,
      s.latency.p90Ms,
      s.latency.p95Ms,
      s.latency.p99Ms,
      s.latency.maxMs,
    ].map((ms) => fmtStat(s.latency, ms)),
    s.totals.failures ? `${fmtCount(s.totals.failures)} (${fmtPercent(s.totals.errorRate)})` : '0',
  ]);
  out.push(textTable(['step', 'count', 'rps', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'errors'], rows));
  const protocolLines = consoleProtocolLines(s);
  if (protocolLines.length) out.push('', ...protocolLines);
  const customLines = consoleCustomLines(s);
  if (customLines.length) out.push('', ...customLines);
  const errorClasses = Object.entries(s.errors.byClass).filter(([, n]) => n > 0);
  if (errorClasses.length) {
    out.push('');
    out.push(`errors by class: ${errorClasses.map(([c, n]) => `${c} ${fmtCount(n)}`).join(', ')}`);
    for (const sample of s.errors.samples.slice(0, 5)) {
      out.push(
        `  ${fmtCount(sample.count)} x ${sample.class} at ${sample.scenario}/${sample.step}: ${sample.message}`,
      );
    }
  }
  if (s.thresholds.length) {
    out.push('');
    out.push('thresholds:');
    for (const t of s.thresholds) {
      out.push(
        `  ${t.passed ? 'PASS' : 'FAIL'}  ${t.metric}  ${t.threshold}  (actual ${fmtThresholdValue(t.actual, t.unit)})${t.abortOnFail ? '  [abortOnFail]' : ''}`,
      );
    }
  }
  const failedGates = (s.gates ?? []).filter((g) => !g.passed);
  if (failedGates.length) {
    out.push('', 'gates:');
    for (const g of failedGates) out.push(`  FAIL  ${g.name}  ${g.rule}  (actual ${g.actual})`);
  }
  out.push(...consoleAnalysisLines(s));
  const breaking = breakingPointLine(s);
  if (breaking) out.push('', breaking);
  out.push('');
  out.push(generatorLine(s));
  return out.join('\n');
}

/** WebSocket steps time each reply from its own send, whatever the model: say so where the model is open. */
function wsNote(s: Summary): string {
  const open = new Set(s.scenarios.filter((sc) => sc.model === 'open').map((sc) => sc.name));
  return s.steps.some((st) => st.protocol === 'ws' && open.has(st.scenario))
    ? ' WebSocket steps are reply round trips from each send, not from the schedule.'
    : '';
}

export function latencyModelLine(s: Summary): string {
  const lagging = s.scenarios.filter((sc) => sc.scheduleLag);
  const lag = lagging.length
    ? ` Schedule lag p99: ${lagging.map((sc) => `${sc.name} ${fmtMs(sc.scheduleLag?.p99Ms ?? 0)}`).join(', ')}.`
    : '';
  switch (s.latencyModel) {
    case 'open':
      return `  latency model: OPEN — latency counts from each iteration's scheduled start, so queueing in the target shows (no coordinated omission).${wsNote(s)}${lag}`;
    case 'closed':
      return '  latency model: CLOSED — VUs wait for each response before sending the next; latency is service time and hides queueing a real open workload would see.';
    default:
      return `  latency model: MIXED — open scenarios count from the scheduled start, closed ones are service time.${wsNote(s)}${lag}`;
  }
}

export function generatorLine(s: Summary): string {
  const g = s.generator;
  const base = `generator: ${g.threads} thread(s) on ${coresText(g)}, CPU mean ${g.meanCpuPercent}% max ${g.maxCpuPercent}% (of one core), event-loop delay p99 max ${g.maxLoopDelayP99Ms} ms`;
  if (!g.saturated) return `${base} — healthy`;
  return `${base}\nGENERATOR SATURATED — latency figures are suspect (they include the generator's own queueing):\n${g.reasons.map((r) => `  - ${r}`).join('\n')}`;
}
