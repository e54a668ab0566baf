/** Builds LoadTest objects for tests and runs them through the real local engine. */
import { tmpdir } from 'node:os';
import { resolveSpecEnv } from '../../src/api/env.js';
import type { LoadTest, Scenario } from '../../src/api/schema.js';
import { runLocal } from '../../src/local/coordinator.js';
import { validateLoadTest } from '../../src/manifest/validate.js';
import type { Summary } from '../../src/report/summary.js';

export function loadTest(
  baseURL: string,
  scenarios: Record<string, Scenario>,
  extra: Partial<LoadTest['spec']> = {},
): LoadTest {
  const value = {
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: 'test' },
    spec: { target: { baseURL }, scenarios, ...extra },
  };
  const result = validateLoadTest(value);
  if (!result.ok) throw new Error(`test manifest invalid: ${JSON.stringify(result.problems)}`);
  return result.loadTest;
}

export async function run(lt: LoadTest, workers = 1, baseDir = tmpdir()): Promise<Summary> {
  const { env, secrets } = resolveSpecEnv(lt.spec.env, {}, process.env, 'local');
  const { summary } = await runLocal({ loadTest: lt, baseDir, env, secrets, workers });
  return summary;
}

export function stepOf(summary: Summary, step: string) {
  const s = summary.steps.find((x) => x.step === step);
  if (!s) throw new Error(`no step ${step} in ${summary.steps.map((x) => x.step).join(', ')}`);
  return s;
}
