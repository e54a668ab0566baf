/**
 * The bars of issues #6 and #17 in one table at the top of bench/peers.mjs's section, so the prose in
 * docs/benchmarks.md never has to quote numbers that the next run replaces. Three ratios per bar, each of
 * Stampede's median over the peer's median: requests per second, and requests per CPU-second of the whole
 * process (start-up and report writing included, as for every tool). Only like with like: Stampede's CPU
 * while loading alone, against a peer's whole process, would flatter Stampede.
 */
import { median } from './lib.mjs';

const met = (ratio, bar) => (ratio >= bar ? `**${ratio.toFixed(2)}** ✓` : `${ratio.toFixed(2)} ✗`);

/** results: workload -> tool -> runs; bars: workload -> tool -> bar; headings: workload -> title. */
export function barsTable(results, bars, shortNames) {
  const rows = [];
  for (const [workload, byTool] of Object.entries(results)) {
    for (const [peer, bar] of Object.entries(bars[workload] ?? {})) {
      const mine = byTool.stampede;
      const theirs = byTool[peer];
      if (!mine || !theirs) {
        rows.push(`| ${shortNames[workload]} | ${peer} | ≥ ${bar}x | not measured | |`);
        continue;
      }
      const med = (runs, key) => median(runs.map((r) => r[key]));
      rows.push(
        `| ${shortNames[workload]} | ${peer} | ≥ ${bar}x | ${met(med(mine, 'rps') / med(theirs, 'rps'), bar)} | ${met(med(mine, 'perCpuSecond') / med(theirs, 'perCpuSecond'), bar)} |`,
      );
    }
  }
  return [
    '| workload | peer | bar | Stampede ÷ peer, req/s | per CPU-second, whole process |',
    '| --- | --- | --- | ---: | ---: |',
    ...rows,
  ];
}
