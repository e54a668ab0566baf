/** The console's lines for the analysis: the score and each finding's title, most severe first. */
import type { Summary } from './summary.js';

export function consoleAnalysisLines(s: Summary): string[] {
  if (!s.score && !s.findings) return [];
  const out = [''];
  if (s.score) out.push(`score ${s.score.value}/100 (parts and formula in report.md)`);
  for (const f of s.findings ?? []) out.push(`  ${f.severity.toUpperCase()}: ${f.title}`);
  if (s.targetResources?.error) out.push(`  target resources: ${s.targetResources.error}`);
  return out;
}
