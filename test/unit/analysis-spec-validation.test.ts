import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/validate.js';

const manifest = (analysis: string) => `
apiVersion: stampede.dev/v1alpha1
kind: LoadTest
metadata: { name: demo }
spec:
  target: { baseURL: "http://127.0.0.1:8080" }
  scenarios:
    s: { executor: constant-vus, vus: 1, duration: 1s, flow: [{ request: { url: / } }] }
  analysis: ${analysis}
`;

function problems(text: string) {
  const result = parseManifest(text);
  if (result.ok) throw new Error('expected the manifest to be rejected');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('spec.analysis.prometheus', () => {
  it('accepts a URL alone, or explicit queries with a selector and a leak threshold', () => {
    expect(parseManifest(manifest('{ prometheus: { url: "http://prometheus.monitoring:9090" } }')).ok).toBe(
      true,
    );
    const full = manifest(`
    prometheus:
      url: http://127.0.0.1:9090
      cpuQuery: 'sum(rate(process_cpu_seconds_total{job="$pod"}[1m]))'
      memoryQuery: 'sum(process_resident_memory_bytes{job="$pod"})'
      selector: { namespace: shop, pod: "api-.*" }
      leakThresholdMbPerHour: 25`);
    expect(parseManifest(full).ok).toBe(true);
  });

  it('names the field and what is allowed for each bad value', () => {
    const p = problems(
      manifest(
        '{ prometheus: { url: "prometheus:9090", leakThresholdMbPerHour: 0, selector: { namespace: "Shop_1" }, cpuquery: x } }',
      ),
    );
    expect(p).toHaveLength(4);
    expect(p.find((x) => x.startsWith('spec.analysis.prometheus.url:'))).toContain('Prometheus base URL');
    expect(p.find((x) => x.startsWith('spec.analysis.prometheus.leakThresholdMbPerHour:'))).toBeDefined();
    expect(p.find((x) => x.startsWith('spec.analysis.prometheus.selector.namespace:'))).toBeDefined();
    expect(p.find((x) => x.startsWith('spec.analysis.prometheus.cpuquery:'))).toContain(
      'did you mean "cpuQuery"',
    );
  });
});
