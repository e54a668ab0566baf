/** One reconcile: observe, decide (pure), act. Invalid specs get a Failed status and no retries. */

import { KubeError } from '../kube/client.js';
import { validateLoadTest } from '../manifest/validate.js';
import type { Logger } from '../observability/log.js';
import type { Actor } from './act.js';
import { decide } from './decide.js';
import { type Guardrails, guardrailViolations } from './guardrails.js';
import type { ControllerMetrics } from './metrics.js';
import type { ControllerSettings, Decision, Observed } from './model.js';
import type { Observer } from './observe.js';
import { type PrometheusPolicy, parsePrometheusPolicy, refusedPrometheus } from './prometheus-policy.js';
import { failedBeforeStart } from './runner-spec.js';
import { policyFor, refusedTargets, type TargetPolicy } from './target-policy.js';

export interface ReconcileResult {
  requeueAfterMs: number | undefined;
}

export class Reconciler {
  constructor(
    private readonly observer: Observer,
    private readonly actor: Actor,
    private readonly settings: ControllerSettings,
    private readonly metrics: ControllerMetrics,
    private readonly log: Logger,
    private readonly targetPolicy: TargetPolicy | undefined = undefined,
    private readonly guardrails: Guardrails = {},
    private readonly prometheusPolicy: PrometheusPolicy = parsePrometheusPolicy(''),
  ) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    const started = performance.now();
    const observed = await this.observer.observe(namespace, name, Date.now());
    if (!observed) {
      this.metrics.record(key, undefined);
      return { requeueAfterMs: undefined };
    }
    const decision = this.invalid(observed) ?? decide(observed, this.settings);
    try {
      await this.actor.act(observed, decision);
    } catch (error) {
      // Denied or rejected calls are for the operator's installer to fix; say so where users look, then retry.
      if (error instanceof KubeError && (error.statusCode === 403 || error.statusCode === 422)) {
        await this.actor.reportBlocked(observed, error);
      }
      throw error;
    }
    this.metrics.record(key, decision.status);
    this.metrics.reconcileSeconds.observe((performance.now() - started) / 1000);
    if (decision.status.phase !== observed.loadTest.status?.phase) {
      this.log.info(
        {
          loadTest: key,
          phase: decision.status.phase,
          message: decision.status.message,
          actions: decision.actions.map((a) => a.kind),
        },
        'phase changed',
      );
    }
    return { requeueAfterMs: decision.requeueAfterMs };
  }

  /**
   * The CRD schema catches most mistakes; the rest (templates, thresholds) and targets outside the operator's
   * policy fail here, once, with reasons, and are not retried.
   */
  private invalid(observed: Observed): Decision | undefined {
    const { apiVersion, kind, metadata, spec } = observed.loadTest;
    const result = validateLoadTest(
      { apiVersion, kind, metadata: { name: metadata.name }, spec },
      { runsIn: 'cluster' },
    );
    if (!result.ok) {
      const problems = result.problems.map((p) => `${p.path}: ${p.message}`);
      return failedBeforeStart(observed.loadTest, 'InvalidSpec', problems.join('; '));
    }
    const refused = [
      ...refusedTargets(result.loadTest, policyFor(this.targetPolicy, metadata.namespace)),
      ...refusedPrometheus(result.loadTest, this.prometheusPolicy),
    ];
    if (refused.length) return failedBeforeStart(observed.loadTest, 'TargetNotAllowed', refused.join('; '));
    const over = guardrailViolations(result.loadTest, this.guardrails);
    if (over.length) return failedBeforeStart(observed.loadTest, 'PolicyViolation', over.join('; '));
    return undefined;
  }
}
