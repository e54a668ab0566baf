import { describe, expect, it } from 'vitest';
import { parsePrometheusPolicy } from '../../../src/controller/prometheus-policy.js';

describe('Prometheus URLs the controller may query', () => {
  it('allows listed URL prefixes only: scheme, host, port when given, path', () => {
    const p = parsePrometheusPolicy('http://prometheus.monitoring.svc:9090, https://thanos.example/prom');
    expect(p.allows('http://prometheus.monitoring.svc:9090')).toBe(true);
    expect(p.allows('http://prometheus.monitoring.svc:9090/')).toBe(true);
    expect(p.allows('http://prometheus.monitoring.svc:9091')).toBe(false);
    expect(p.allows('https://prometheus.monitoring.svc:9090')).toBe(false);
    expect(p.allows('https://thanos.example/prom/tenant-a')).toBe(true);
    expect(p.allows('https://thanos.example/prometheus')).toBe(false);
    expect(p.allows('http://kubernetes.default.svc')).toBe(false);
    expect(p.allows('http://u:p@prometheus.monitoring.svc:9090')).toBe(false);
    expect(parsePrometheusPolicy('http://127.0.0.1').allows('http://127.0.0.1:41234')).toBe(true);
  });

  it('allows none by default, and refuses a malformed entry by name', () => {
    expect(parsePrometheusPolicy(undefined).allows('http://prometheus:9090')).toBe(false);
    expect(() => parsePrometheusPolicy('ftp://x')).toThrow(
      /STAMPEDE_PROMETHEUS_URLS: ftp:\/\/x is not an http\(s\) URL/,
    );
  });
});
