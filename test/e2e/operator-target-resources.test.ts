/**
 * In a cluster the controller asks Prometheus for the target's CPU and memory when it writes the final
 * report: a real control plane, a real runner pod, a real Prometheus scraping a target whose memory grows
 * on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import {
  type MetricsTarget,
  type RunningPrometheus,
  startMetricsTarget,
  startPrometheus,
} from '../helpers/prometheus.js';
import { type ClusterEnv, startClusterEnv } from './cluster-env.js';

describe('the controller adds the target resources to the final report', () => {
  let env: ClusterEnv;
  let target: MetricsTarget;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    target = await startMetricsTarget({ leakMbPerSecond: 20 });
    prometheus = await startPrometheus([{ job: 'api', address: target.address }]);
    await prometheus.waitForTargets(1);
    env = await startClusterEnv();
    env.startController();
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
    await prometheus?.stop();
    await target?.stop();
  });

  it('writes CPU, memory, the growth rate and the leak finding into the report ConfigMap', async () => {
    const name = 'target-resources';
    const manifest = {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name, namespace: 'default' },
      spec: {
        target: { baseURL: target.url },
        scenarios: {
          s: {
            executor: 'constant-vus',
            vus: 2,
            duration: '6s',
            flow: [{ request: { url: '/' }, think: { constant: '20ms' } }],
          },
        },
        analysis: {
          prometheus: {
            url: prometheus.url,
            cpuQuery: 'sum(rate(process_cpu_seconds_total{job="$pod"}[5s]))',
            memoryQuery: 'sum(process_resident_memory_bytes{job="$pod"})',
            selector: { pod: 'api' },
            leakThresholdMbPerHour: 5000,
          },
        },
      },
    };
    await env.kubectl(['apply', '-f', '-'], stringify(manifest));
    await env.waitForPhase(name, ['Succeeded'], 120_000);
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    const t = summary.targetResources;
    expect(t?.error).toBeUndefined();
    expect(t?.source.cpuQuery).toBe('sum(rate(process_cpu_seconds_total{job="api"}[5s]))');
    expect(t?.series.filter((r) => r.memoryMb !== null).length).toBeGreaterThanOrEqual(4);
    expect(t?.leakSuspected).toBe(true);
    expect(summary.findings?.map((f) => f.id)).toContain('memory-growth');
    expect(summary.score?.parts.find((p) => p.name === 'target memory')).toMatchObject({ points: 0, max: 5 });
    expect(cm.data['report.md']).toContain('**Possible memory leak:**');
  }, 180_000);
});
