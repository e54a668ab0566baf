/**
 * The runner's /metrics, computed from its cumulative snapshot at scrape time: nothing on the request hot
 * path. Labels are bounded (scenario, step, protocol, status class); no URLs or IDs.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { decodeHistogram } from '../metrics/histogram.js';
import { promBuckets, WEB_LATENCY_BUCKETS_SECONDS } from '../metrics/prom-histogram.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';

function statusClass(code: string): string {
  return `${code[0]}xx`;
}

export function createRunnerMetrics(loadTest: string, latest: () => ShardSnapshot): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ loadtest: loadTest });
  new Counter({
    name: 'stampede_requests_total',
    help: 'Requests sent, by scenario, step, protocol and status class (HTTP: 2xx..5xx, or error for no response; ws and pg: ok or error).',
    labelNames: ['scenario', 'step', 'protocol', 'status_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().steps) {
        if (s.protocol !== 'http') {
          // WebSocket and PostgreSQL steps have no HTTP status: ok or error is all there is.
          const labels = { scenario: s.scenario, step: s.step, protocol: s.protocol };
          if (s.requests - s.failures > 0)
            this.inc({ ...labels, status_class: 'ok' }, s.requests - s.failures);
          if (s.failures > 0) this.inc({ ...labels, status_class: 'error' }, s.failures);
          continue;
        }
        let answered = 0;
        for (const [code, n] of Object.entries(s.statuses)) {
          answered += n;
          this.inc(
            { scenario: s.scenario, step: s.step, protocol: s.protocol, status_class: statusClass(code) },
            n,
          );
        }
        const unanswered = s.requests - answered;
        if (unanswered > 0) {
          this.inc(
            { scenario: s.scenario, step: s.step, protocol: s.protocol, status_class: 'error' },
            unanswered,
          );
        }
      }
    },
  });
  new Counter({
    name: 'stampede_checks_total',
    help: 'Check results by scenario, step and result.',
    labelNames: ['scenario', 'step', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().steps) {
        if (s.checks.passes)
          this.inc({ scenario: s.scenario, step: s.step, result: 'pass' }, s.checks.passes);
        if (s.checks.fails) this.inc({ scenario: s.scenario, step: s.step, result: 'fail' }, s.checks.fails);
      }
    },
  });
  new Counter({
    name: 'stampede_dropped_iterations_total',
    help: 'Open-model iterations not started because no VU was free.',
    labelNames: ['scenario'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().scenarios)
        if (s.droppedIterations) this.inc({ scenario: s.name }, s.droppedIterations);
    },
  });
  new Gauge({
    name: 'stampede_active_vus',
    help: 'VUs currently running an iteration or looping.',
    labelNames: ['scenario'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().scenarios) this.set({ scenario: s.name }, s.activeVUs);
    },
  });
  new Gauge({
    name: 'stampede_generator_event_loop_delay_p99_seconds',
    help: "The generator's own event-loop delay (p99 over the last second): its saturation signal.",
    registers: [registry],
    collect() {
      const last = latest().intervals.at(-1);
      this.set(last ? last.loopDelayP99Ms / 1000 : 0);
    },
  });
  new Gauge({
    name: 'stampede_generator_cpu_ratio',
    help: 'Runner process CPU over the last second, as a fraction of one core.',
    registers: [registry],
    collect() {
      const last = latest().intervals.at(-1);
      this.set(last ? last.cpuPercent / 100 : 0);
    },
  });
  registry.registerMetric(requestDurationMetric(latest) as never);
  return registry;
}

/**
 * stampede_request_duration_seconds: a Prometheus histogram derived from each step's HDR data at scrape time.
 * Grafana's histogram_quantile over it is an estimate; the exact merged percentiles are the controller's
 * stampede_loadtest_latency_* gauges.
 */
function requestDurationMetric(latest: () => ShardSnapshot) {
  const name = 'stampede_request_duration_seconds';
  return {
    name,
    help: 'Request latency by scenario, step and protocol (open models: from the scheduled start).',
    type: 'histogram',
    aggregator: 'sum',
    labelNames: ['scenario', 'step', 'protocol'],
    reset() {},
    get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const s of latest().steps) {
        const labels = { scenario: s.scenario, step: s.step, protocol: s.protocol };
        const b = promBuckets(decodeHistogram(s.durationHdr), WEB_LATENCY_BUCKETS_SECONDS);
        WEB_LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
          values.push({
            labels: { ...labels, le },
            value: b.cumulative[i] as number,
            metricName: `${name}_bucket`,
          });
        });
        values.push({ labels: { ...labels, le: '+Inf' }, value: b.count, metricName: `${name}_bucket` });
        values.push({ labels, value: b.sumSeconds, metricName: `${name}_sum` });
        values.push({ labels, value: b.count, metricName: `${name}_count` });
      }
      return { name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
    },
  };
}
