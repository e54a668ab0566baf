/**
 * report.html's analysis: the score with its parts, the derived capacity figures with how each was found,
 * and every finding with its evidence and the recommendation that follows from it.
 */
import type { Derived, Finding } from '../analysis/model.js';
import { degradationFigures } from './format.js';
import { escapeHtml as esc } from './html-charts.js';
import type { Summary } from './summary.js';

function findingHtml(f: Finding): string {
  const evidence = f.evidence.map((e) => `<li>${esc(e)}</li>`).join('');
  const advice = f.recommendation ? `<p class="advice"><b>What to do:</b> ${esc(f.recommendation)}</p>` : '';
  return `<div class="finding ${f.severity}"><p><span class="severity">${esc(f.severity)}</span> <b>${esc(f.title)}</b></p><ul>${evidence}</ul>${advice}</div>`;
}

function derivedRow<T>(label: string, d: Derived<T> | undefined, show: (v: T) => string): string {
  if (!d) return '';
  const value = d.value === null ? 'none' : show(d.value);
  return `<tr><td>${esc(label)}</td><td>${esc(value)}</td><td class="method">${esc(d.method)}</td></tr>`;
}

function capacityTable(s: Summary): string {
  const sc = s.scalability;
  if (!sc?.levels.length) return '';
  const unit = sc.levels[0]?.unit === 'vus' ? ' VUs' : '/s';
  const rows = [
    derivedRow('Linear-scaling range', sc.linearRange, (v) => `${v.fromLoad} to ${v.toLoad}${unit}`),
    derivedRow('Degradation point', sc.degradationPoint, (v) => `${v.load}${unit}: ${degradationFigures(v)}`),
    derivedRow('Breaking point', sc.breakingPoint, (v) => `${v.load}${unit}: ${v.condition}`),
    derivedRow('Recovery time', sc.recovery, (v) => `${v.seconds} s${v.recovered ? '' : ' (not recovered)'}`),
    derivedRow('Capacity at the SLO', sc.capacityAtSlo, (v) => `${v.load}${unit}, ${v.rps} requests/s`),
  ].join('');
  return `<h2>Capacity (scalability: ${esc(sc.rating)})</h2><table><thead><tr><th>Figure</th><th>Value</th><th>How it was found</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function analysisHtml(s: Summary): string {
  const score = s.score
    ? `<h2>Score: ${s.score.value}/100</h2><p class="note">${esc(
        s.score.parts.map((p) => `${p.name} ${+p.points.toFixed(1)}/${p.max} (${p.why})`).join(' · '),
      )}</p><p class="note">${esc(s.score.formula)}</p>`
    : '';
  const findings = s.findings
    ? `<h2>Findings and recommendations</h2>${
        s.findings.length
          ? s.findings.map(findingHtml).join('')
          : '<p>No findings: every check (generator, saturation, capacity, errors, memory, pools, WebSocket connects, slow steps) came back clean.</p>'
      }`
    : '';
  return `${score}${capacityTable(s)}${findings}`;
}
