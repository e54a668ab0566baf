/**
 * The controller's own /metrics: reconcile counts and durations, load tests by phase, and the exact merged
 * percentiles per load test, so Grafana shows the same p95 as `kubectl get lt`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PHASES } from '../api/status-constants.js';
import type { LoadTestStatus } from '../api/status-schema.js';

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly statuses = new Map<string, LoadTestStatus>();
  readonly reconciles = new Counter({
    name: 'stampede_controller_reconcile_total',
    help: 'Reconciles by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly reconcileSeconds = new Histogram({
    name: 'stampede_controller_reconcile_duration_seconds',
    help: 'Time to observe, decide and act for one LoadTest.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    const statuses = this.statuses;
    new Gauge({
      name: 'stampede_loadtests',
      help: 'LoadTests by phase.',
      labelNames: ['phase'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const phase of PHASES) this.set({ phase }, 0);
        for (const s of statuses.values()) if (s.phase) this.inc({ phase: s.phase });
      },
    });
    const perTest = (name: string, help: string, pick: (s: LoadTestStatus) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['namespace', 'loadtest'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [key, s] of statuses) {
            const v = pick(s);
            const [namespace = '', loadtest = ''] = key.split('/');
            if (v !== undefined) this.set({ namespace, loadtest }, v);
          }
        },
      });
    perTest('stampede_loadtest_latency_p50_seconds', 'Exact merged p50 over all runners.', (s) =>
      ms(s.p50Ms),
    );
    perTest('stampede_loadtest_latency_p95_seconds', 'Exact merged p95 over all runners.', (s) =>
      ms(s.p95Ms),
    );
    perTest('stampede_loadtest_latency_p99_seconds', 'Exact merged p99 over all runners.', (s) =>
      ms(s.p99Ms),
    );
    perTest(
      'stampede_loadtest_requests_per_second',
      'Merged requests per second since the start.',
      (s) => s.rps,
    );
    perTest('stampede_loadtest_error_ratio', 'Merged failed requests / requests.', (s) => s.errorRate);
    perTest('stampede_loadtest_runners_ready', 'Runners ready or running.', (s) => s.runners?.ready);
    perTest('stampede_loadtest_thresholds_failing', 'Thresholds failing on merged data.', (s) =>
      s.thresholds ? s.thresholds.filter((t) => !t.passed).length : undefined,
    );
    perTest('stampede_loadtest_progress_ratio', 'Elapsed over planned time, 0 to 1.', (s) =>
      s.progressPercent === undefined ? undefined : s.progressPercent / 100,
    );
    new Gauge({
      name: 'stampede_loadtest_threshold_passing',
      help: 'Each threshold on merged data: 1 while it holds, 0 when it fails.',
      labelNames: ['namespace', 'loadtest', 'metric', 'threshold'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [key, s] of statuses) {
          const [namespace = '', loadtest = ''] = key.split('/');
          for (const t of s.thresholds ?? [])
            this.set({ namespace, loadtest, metric: t.metric, threshold: t.threshold }, t.passed ? 1 : 0);
        }
      },
    });
  }

  record(key: string, status: LoadTestStatus | undefined): void {
    if (status) this.statuses.set(key, status);
    else this.statuses.delete(key);
  }
}

const ms = (v: number | undefined) => (v === undefined ? undefined : v / 1000);
