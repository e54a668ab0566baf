/**
 * The runner's /metrics, computed from its cumulative snapshot at scrape time: nothing on the request hot
 * path. Labels are bounded (scenario, step, protocol, status or error class); no URLs or IDs.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { errorClassLabel, labeledSteps, statusClassLabel } from '../metrics/label-bounds.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { registerCustomMetrics } from './metrics-custom.js';
import { registerHdrHistogram } from './metrics-hdr.js';
import { registerProtocolMetrics } from './metrics-protocols.js';

/** Requests and check results per step. */
function registerRequestCounters(registry: Registry, latest: () => ShardSnapshot): void {
  new Counter({
    name: 'stampede_requests_total',
    help: 'Requests sent, by scenario, step, protocol and status class (HTTP: 2xx..5xx, or error for no response; ws and pg: ok or error).',
    labelNames: ['scenario', 'step', 'protocol', 'status_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of labeledSteps(latest())) {
        if (s.protocol !== 'http' && s.protocol !== 'http2') {
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
            {
              scenario: s.scenario,
              step: s.step,
              protocol: s.protocol,
              status_class: statusClassLabel(code),
            },
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
      for (const s of labeledSteps(latest())) {
        if (s.checks.passes)
          this.inc({ scenario: s.scenario, step: s.step, result: 'pass' }, s.checks.passes);
        if (s.checks.fails) this.inc({ scenario: s.scenario, step: s.step, result: 'fail' }, s.checks.fails);
      }
    },
  });
}

/** Dropped iterations and active VUs per scenario. */
function registerVuMetrics(registry: Registry, latest: () => ShardSnapshot): void {
  new Counter({
    name: 'stampede_dropped_iterations_total',
    help: 'Open-model iterations not started because no VU was free.',
    labelNames: ['scenario'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().scenarios) this.inc({ scenario: s.name }, s.droppedIterations);
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
}

/** The generator's own load over the last second. */
function registerGeneratorGauges(registry: Registry, latest: () => ShardSnapshot): void {
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
    help: "The runner's load thread CPU over the last second, as a fraction of one core.",
    registers: [registry],
    collect() {
      const last = latest().intervals.at(-1);
      this.set(last ? last.cpuPercent / 100 : 0);
    },
  });
}

/** Errors per step and iterations per scenario. */
function registerOutcomeCounters(registry: Registry, latest: () => ShardSnapshot): void {
  new Counter({
    name: 'stampede_errors_total',
    help: 'Failed requests by error class (refused, reset, timeout, dns, tls, http_4xx, http_5xx, check, ...).',
    labelNames: ['scenario', 'step', 'protocol', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of labeledSteps(latest()))
        for (const [errorClass, n] of Object.entries(s.errors))
          if (n)
            this.inc(
              {
                scenario: s.scenario,
                step: s.step,
                protocol: s.protocol,
                class: errorClassLabel(errorClass),
              },
              n,
            );
    },
  });
  new Counter({
    name: 'stampede_iterations_total',
    help: 'Completed iterations by scenario and result (ok, failed).',
    labelNames: ['scenario', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of latest().scenarios) {
        this.inc({ scenario: s.name, result: 'ok' }, s.iterations - s.failedIterations);
        this.inc({ scenario: s.name, result: 'failed' }, s.failedIterations);
      }
    },
  });
}

/** Runner resident memory. */
function registerMemoryGauge(registry: Registry): void {
  new Gauge({
    name: 'stampede_generator_resident_memory_bytes',
    help: 'Runner process resident memory (RSS).',
    registers: [registry],
    collect() {
      // prom-client's default process metrics would do, but three of them fail promtool's lint.
      this.set(process.memoryUsage.rss());
    },
  });
}

export function createRunnerMetrics(loadTest: string, latest: () => ShardSnapshot): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ loadtest: loadTest });
  registerRequestCounters(registry, latest);
  registerVuMetrics(registry, latest);
  registerGeneratorGauges(registry, latest);
  registerOutcomeCounters(registry, latest);
  registerHdrHistogram(
    registry,
    'stampede_request_duration_seconds',
    'Request latency by scenario, step and protocol (open models: from the scheduled start).',
    ['scenario', 'step', 'protocol'],
    () =>
      labeledSteps(latest()).map((s) => ({
        labels: { scenario: s.scenario, step: s.step, protocol: s.protocol },
        hdr: s.durationHdr,
      })),
  );
  registerProtocolMetrics(registry, latest);
  registerCustomMetrics(registry, latest);
  registerMemoryGauge(registry);
  return registry;
}
