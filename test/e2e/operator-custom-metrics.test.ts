import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import type { Summary } from '../../src/report/summary.js';
import { type ClusterEnv, type LoadTestObject, pollUntil, ROOT, startClusterEnv } from './cluster-env.js';

/**
 * examples/custom-metrics.yaml on two runners through the controller: the runners' snapshots carry the
 * custom metrics, the controller checks and merges them, judges a custom threshold that fails on merged
 * data and writes the metrics into the report ConfigMap.
 */
describe('custom metrics through the operator', () => {
  let env: ClusterEnv;
  let target: DemoTarget;
  beforeAll(async () => {
    env = await startClusterEnv();
    target = await startDemoTarget({ port: 0, latencyMs: 1, jitterMs: 2 });
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await target?.close();
  });

  it('two runners merge custom metrics and a failing custom threshold fails the verdict', async () => {
    const doc = parse(readFileSync(join(ROOT, 'examples/custom-metrics.yaml'), 'utf8'));
    const name = 'custom-metrics';
    doc.metadata = { name, namespace: 'default' };
    doc.spec.runners = 2;
    doc.spec.target.baseURL = target.url;
    doc.spec.scenarios.shoppers.duration = '4s';
    // Amounts are 1..100: a maximum under 2 cannot hold.
    doc.spec.thresholds.order_amount = ['avg<80', 'max<2'];
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await pollUntil(`${name} finished`, 90_000, async () => {
      const o = JSON.parse(await env.kubectl(['get', 'lt', name, '-o', 'json'])) as LoadTestObject;
      return o.status?.report ? o : undefined;
    });
    expect(lt.status?.verdict).toBe('Failed');
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    expect(summary.shards).toHaveLength(2);
    const byName = Object.fromEntries((summary.customMetrics ?? []).map((m) => [m.name, m]));
    const transactions = summary.steps.find((s) => s.step === 'transaction')?.requests ?? 0;
    expect(transactions).toBeGreaterThan(0);
    expect(byName.order_amount?.samples).toBe(transactions);
    expect(byName.orders_accepted?.rate).toBe(1);
    const failed = summary.thresholds.filter((t) => !t.passed).map((t) => `${t.metric} ${t.threshold}`);
    expect(failed).toEqual(['order_amount max<2']);
    expect(cm.data['report.md']).toContain('## Custom metrics');
    expect(cm.data['junit.xml']).toContain('order_amount: max&lt;2');
  }, 120_000);
});
