/**
 * The verdict: passed only when the run completed its work, every threshold held and every gate held.
 * Gates are the checks that apply whatever the manifest says (a run that sent nothing, or got nothing
 * back, never passes), the default budget a run without thresholds is held to, and the target's memory
 * budget when the target's resources were measured. Pure; written against the fields it reads.
 */
import type { TargetResources } from './model.js';

/** Without thresholds, a run whose error rate reaches this share fails: a default, documented in the README. */
export const DEFAULT_MAX_ERROR_RATE = 0.05;

export interface Gate {
  name: string;
  rule: string;
  actual: string;
  passed: boolean;
}

export interface VerdictInput {
  outcome: string;
  thresholds: readonly { passed: boolean }[];
  totals: { requests: number; failures: number; errorRate: number };
  steps: readonly { scenario: string; requests: number; failures: number }[];
  scenarios: readonly { name: string; executor: string }[];
  targetResources?: TargetResources;
  /** The breakpoint levels and the capacity they report, when the run had levels. */
  scalability?: {
    levels: readonly { index: number; phase: string; errorRate: number }[];
    capacityAtSlo: { value: { level: number } | null };
  };
}

/**
 * The default error budget's share of the traffic. Breakpoint scenarios are left out: they push the target
 * until it fails on purpose, and their stopWhen conditions judge them.
 */
function defaultBudgetTraffic(s: VerdictInput): { requests: number; failures: number } {
  const stepped = steppedScenarios(s);
  let requests = 0;
  let failures = 0;
  for (const st of s.steps) {
    if (stepped.has(st.scenario)) continue;
    requests += st.requests;
    failures += st.failures;
  }
  return { requests, failures };
}

const steppedScenarios = (s: VerdictInput): Set<string> =>
  new Set(s.scenarios.filter((sc) => sc.executor === 'breakpoint').map((sc) => sc.name));

/**
 * The default budget, held by a breakpoint scenario's levels up to the load it reports as capacity: the
 * levels past it may break on purpose, but a capacity reached while 5% or more of the requests failed is
 * no capacity, and the run must not pass on it.
 */
function capacityGate(s: VerdictInput): Gate | undefined {
  if (s.thresholds.length || !steppedScenarios(s).size) return undefined;
  const capacity = s.scalability?.capacityAtSlo.value;
  if (!capacity) return undefined;
  const upTo = (s.scalability?.levels ?? []).filter((l) => l.phase === 'load' && l.index <= capacity.level);
  const worst = upTo.reduce<(typeof upTo)[number] | undefined>(
    (w, l) => (!w || l.errorRate > w.errorRate ? l : w),
    undefined,
  );
  if (!worst) return undefined;
  return {
    name: `error rate up to the reported capacity (default, breakpoint levels 0-${capacity.level})`,
    rule: `< ${DEFAULT_MAX_ERROR_RATE * 100}% at every level`,
    actual: `${(worst.errorRate * 100).toFixed(2)}% at level ${worst.index}`,
    passed: worst.errorRate < DEFAULT_MAX_ERROR_RATE,
  };
}

export function judgeGates(s: VerdictInput): Gate[] {
  const { requests, failures } = s.totals;
  const gates: Gate[] = [
    { name: 'requests sent', rule: '>= 1', actual: String(requests), passed: requests > 0 },
    {
      name: 'successful requests',
      rule: '>= 1',
      actual: String(requests - failures),
      passed: requests - failures > 0,
    },
  ];
  const budget = defaultBudgetTraffic(s);
  if (s.thresholds.length === 0 && budget.requests > 0) {
    const rate = budget.failures / budget.requests;
    const stepped = budget.requests < requests ? ', breakpoint scenarios excluded' : '';
    gates.push({
      name: `error rate (default, no thresholds set${stepped})`,
      rule: `< ${DEFAULT_MAX_ERROR_RATE * 100}%`,
      actual: `${(rate * 100).toFixed(2)}%`,
      passed: rate < DEFAULT_MAX_ERROR_RATE,
    });
  }
  const capacity = capacityGate(s);
  if (capacity) gates.push(capacity);
  const t = s.targetResources;
  if (t && t.memoryGrowthMbPerHour !== null) {
    gates.push({
      name: 'target memory growth',
      rule: `<= ${t.leakThresholdMbPerHour} MB/hour`,
      actual: `${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour`,
      passed: !t.leakSuspected,
    });
  }
  return gates;
}

export function decideVerdict(s: VerdictInput, gates: readonly Gate[]): 'passed' | 'failed' {
  const outcomeOk = s.outcome !== 'failed' && s.outcome !== 'aborted-by-threshold';
  return outcomeOk && s.thresholds.every((t) => t.passed) && gates.every((g) => g.passed)
    ? 'passed'
    : 'failed';
}

/** The summary with its gates and verdict worked out again from its current fields. */
export function withVerdict<T extends VerdictInput>(
  s: T,
): T & { gates: Gate[]; verdict: 'passed' | 'failed' } {
  const gates = judgeGates(s);
  return { ...s, gates, verdict: decideVerdict(s, gates) };
}
