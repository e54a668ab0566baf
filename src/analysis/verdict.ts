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
}

/**
 * The default error budget's share of the traffic. Breakpoint scenarios are left out: they push the target
 * until it fails on purpose, and their stopWhen conditions judge them.
 */
function defaultBudgetTraffic(s: VerdictInput): { requests: number; failures: number } {
  const stepped = new Set(s.scenarios.filter((sc) => sc.executor === 'breakpoint').map((sc) => sc.name));
  let requests = 0;
  let failures = 0;
  for (const st of s.steps) {
    if (stepped.has(st.scenario)) continue;
    requests += st.requests;
    failures += st.failures;
  }
  return { requests, failures };
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
