/**
 * Whether two summaries are runs of the same test: the same LoadTest name, the same scenarios and the same
 * plan for each. Comparing unrelated runs gives confident numbers that mean nothing, so `stampede compare`
 * refuses them unless told otherwise. Pure.
 */

interface Comparable {
  loadTest: { name: string };
  scenarios: readonly { name: string; plan: string }[];
}

/** One line per difference; empty when the runs are comparable. */
export function comparabilityProblems(baseline: Comparable, current: Comparable): string[] {
  const problems: string[] = [];
  if (baseline.loadTest.name !== current.loadTest.name) {
    problems.push(
      `LoadTest names differ: baseline "${baseline.loadTest.name}", current "${current.loadTest.name}"`,
    );
  }
  const before = new Map(baseline.scenarios.map((s) => [s.name, s.plan]));
  const after = new Map(current.scenarios.map((s) => [s.name, s.plan]));
  const only = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => !b.has(k));
  const missing = only(before, after);
  const added = only(after, before);
  if (missing.length) problems.push(`scenarios only in the baseline: ${missing.join(', ')}`);
  if (added.length) problems.push(`scenarios only in the current run: ${added.join(', ')}`);
  for (const [name, plan] of before) {
    const now = after.get(name);
    if (now !== undefined && now !== plan)
      problems.push(`scenario ${name} planned differently: baseline "${plan}", current "${now}"`);
  }
  return problems;
}
