/**
 * Act: carry out a decision with API calls and runner HTTP calls. Creates are create-if-absent (409
 * AlreadyExists is success), so a half-finished fan-out simply resumes on the next reconcile.
 */

import { request } from 'undici';
import { addTargetResources } from '../analysis/index.js';
import { envSecretRefs } from '../api/env.js';
import { pgUrlEnvName } from '../api/pg-url.js';
import { TLS_SECRET_ENV } from '../api/tls-secret-env.js';
import { isAlreadyExists, isNotFound, type KubeClient, type KubeError } from '../kube/client.js';
import { secretRefs } from '../manifest/validate-protocols.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import type { Logger } from '../observability/log.js';
import { fitReportFiles } from '../report/fit.js';
import type { Summary } from '../report/summary.js';
import { bearerHeader } from '../runner/control-auth.js';
import {
  controlSecret,
  loadTestEvent,
  type RunnerPodOptions,
  reportConfigMap,
  runnerJob,
  type SecretEnv,
  specConfigMap,
} from './builders.js';
import { CheckpointStore } from './checkpoints.js';
import { controlToken } from './control-token.js';
import type { Action, Decision, Observed } from './model.js';
import { CONTROL_PORT } from './names.js';
import { configMaps, events, jobs, loadTestPath, loadTestStatusPath, secrets } from './paths.js';
import { protoFiles } from './proto-volume.js';
import { jobDeadlineSeconds } from './runner-spec.js';
import { fitStatus } from './status-fit.js';
import { statusMergePatch } from './status-patch.js';
import { policyFor, type TargetPolicy } from './target-policy.js';
import { WriteBudget } from './write-budget.js';

const RUNNER_CALL_TIMEOUT_MS = 3000;

export interface ActorOptions {
  client: KubeClient;
  runner: RunnerPodOptions;
  identity: string;
  log: Logger;
  /** The controller's key; each LoadTest's runner token is derived from it (control-token.ts). */
  controlKey: string;
  /** The installer's target policy; runners enforce it (or their namespace's default) at every connect. */
  targetPolicy?: TargetPolicy;
  runnerPort?: number;
  /** How long runners hold their final results for a controller that is down (default one hour). */
  resultHoldSeconds?: number;
  /** Shared with the Observer, so it knows what was saved; one of its own otherwise. */
  checkpoints?: CheckpointStore;
  /** Checkpoint writes over all LoadTests (write-budget.ts); tests pass their own. */
  checkpointBudget?: WriteBudget;
  /** The clock for Event timestamps (tests pass a fixed one). */
  now?: () => Date;
}

async function createIfAbsent(client: KubeClient, path: string, body: unknown): Promise<void> {
  try {
    await client.create(path, body);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

interface RunnerCall {
  ip: string;
  port: number;
  token: string;
  path: string;
  body?: unknown;
}

async function callRunner({ ip, port, token, path, body }: RunnerCall): Promise<boolean> {
  try {
    const response = await request(`http://${ip.includes(':') ? `[${ip}]` : ip}:${port}${path}`, {
      method: 'POST',
      body: body === undefined ? '' : JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: bearerHeader(token) },
      headersTimeout: RUNNER_CALL_TIMEOUT_MS,
      bodyTimeout: RUNNER_CALL_TIMEOUT_MS,
    });
    await response.body.dump();
    return response.statusCode < 300;
  } catch {
    return false;
  }
}

/**
 * Database URLs, the target's TLS Secret and spec.env values named by Secret references reach runners as env
 * vars the kubelet fills in; the values never pass through the controller or the spec ConfigMap.
 */
export function secretEnv(lt: Observed['loadTest']): SecretEnv[] {
  const seen = new Map<string, SecretEnv>();
  for (const { ref } of secretRefs(lt)) {
    const name = pgUrlEnvName(ref);
    seen.set(name, { name, secret: ref.secretKeyRef.name, key: ref.secretKeyRef.key });
  }
  for (const { variable, ref } of envSecretRefs(lt.spec.env)) {
    seen.set(variable, { name: variable, secret: ref.secretKeyRef.name, key: ref.secretKeyRef.key });
  }
  const tlsSecret = lt.spec.target.tls?.secret;
  if (tlsSecret !== undefined) {
    for (const e of TLS_SECRET_ENV) {
      seen.set(e.env, {
        name: e.env,
        secret: tlsSecret,
        key: e.key,
        ...(e.optional ? { optional: true } : {}),
      });
    }
  }
  return [...seen.values()];
}

export class Actor {
  private readonly checkpoints: CheckpointStore;
  private readonly checkpointBudget: WriteBudget;

  constructor(private readonly opts: ActorOptions) {
    this.checkpoints = opts.checkpoints ?? new CheckpointStore(opts.client);
    this.checkpointBudget = opts.checkpointBudget ?? new WriteBudget();
  }

  private async runnerCalls(
    observed: Observed,
    indexes: number[],
    path: string,
    body?: unknown,
  ): Promise<void> {
    const port = this.opts.runnerPort ?? CONTROL_PORT;
    const token = controlToken(this.opts.controlKey, observed.loadTest.metadata.uid);
    await Promise.all(
      indexes.map(async (index) => {
        const ip = observed.runners[index]?.pod?.ip;
        const ok = ip ? await callRunner({ ip, port, token, path, body }) : false;
        if (!ok)
          this.opts.log.warn(
            { loadTest: observed.loadTest.metadata.name, index, path },
            'runner call failed',
          );
      }),
    );
  }

  private async one(observed: Observed, action: Action): Promise<void> {
    const lt = observed.loadTest;
    switch (action.kind) {
      case 'createSpecConfigMap':
        return createIfAbsent(
          this.opts.client,
          configMaps(lt.metadata.namespace),
          specConfigMap(lt, action.files),
        );
      case 'createJob':
        return this.createJob(lt);
      case 'startRunners':
        return this.runnerCalls(observed, action.indexes, '/start', { startAt: action.startAt });
      case 'stopRunners':
        return this.runnerCalls(observed, action.indexes, '/stop');
      case 'stopStepping':
        return this.runnerCalls(observed, action.indexes, '/stop-stepping', action.order);
      case 'releaseRunners':
        return this.runnerCalls(observed, action.indexes, '/release');
      case 'writeReport':
        return this.writeReport(lt, action.summary);
      case 'checkpoint':
        return this.saveCheckpoint(lt, action.index, action.snapshot, action.interrupted);
      case 'event':
        return this.recordEvent(lt, action);
      case 'deleteLoadTest':
        return this.deleteLoadTest(lt);
    }
  }

  private async createJob(lt: Observed['loadTest']): Promise<void> {
    const { client } = this.opts;
    const ns = lt.metadata.namespace;
    // The token's Secret first: the kubelet will not start a runner whose secretKeyRef is missing.
    const token = controlToken(this.opts.controlKey, lt.metadata.uid);
    await createIfAbsent(client, secrets(ns), controlSecret(lt, token));
    const job = runnerJob(lt, this.opts.runner, {
      secretEnv: secretEnv(lt),
      protoFiles: protoFiles(lt.spec),
      policy: policyFor(this.opts.targetPolicy, ns).entries,
      // Runners hold their results for a controller that is down, but never past this deadline.
      activeDeadlineSeconds: jobDeadlineSeconds(
        lt,
        this.opts.runner.startDeadlineSeconds,
        this.opts.resultHoldSeconds,
      ),
    });
    return createIfAbsent(client, jobs(ns), job);
  }

  private async writeReport(lt: Observed['loadTest'], finalSummary: Summary): Promise<void> {
    // Prometheus is asked here, not in decide: it is I/O, and only the final report needs it.
    const summary = await addTargetResources(finalSummary, lt);
    const { files, binaryFiles, trimmed } = fitReportFiles(summary);
    if (trimmed.length) this.opts.log.info({ loadTest: lt.metadata.name, trimmed }, 'report trimmed to fit');
    return createIfAbsent(
      this.opts.client,
      configMaps(lt.metadata.namespace),
      reportConfigMap(lt, files, binaryFiles),
    );
  }

  /** A failed checkpoint only weakens restart safety; the run goes on and the next one is retried. */
  private async saveCheckpoint(
    lt: Observed['loadTest'],
    index: number,
    snapshot: ShardSnapshot,
    interrupted: string | undefined,
  ): Promise<void> {
    // Over the controller-wide budget: not now; it stays due and a later reconcile writes it.
    if (!this.checkpointBudget.take()) return;
    // A failed checkpoint only weakens restart safety; the run goes on and the next one is retried.
    return this.checkpoints
      .save(lt, index, snapshot, interrupted)
      .catch((error: Error) =>
        this.opts.log.warn({ loadTest: lt.metadata.name, index, err: error.message }, 'checkpoint not saved'),
      );
  }

  /** Events are for people; failing to record one must not fail the reconcile. */
  private async recordEvent(
    lt: Observed['loadTest'],
    action: Extract<Action, { kind: 'event' }>,
  ): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))().toISOString();
    await this.opts.client
      .create(events(lt.metadata.namespace), loadTestEvent(lt, action, this.opts.identity, now))
      .catch((error: Error) =>
        this.opts.log.warn({ loadTest: lt.metadata.name, err: error.message }, 'event not recorded'),
      );
  }

  private async deleteLoadTest(lt: Observed['loadTest']): Promise<void> {
    try {
      await this.opts.client.delete(loadTestPath(lt.metadata.namespace, lt.metadata.name), 'Background');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * An API call was forbidden or rejected: record a Warning Event and a status message, best effort, so the
   * reason shows in `kubectl describe lt` and not only in the controller's log.
   */
  async reportBlocked(observed: Observed, error: KubeError): Promise<void> {
    const lt = observed.loadTest;
    const message = `the controller cannot proceed: ${error.message}`.slice(0, 1024);
    if (lt.status?.message === message) return;
    await this.one(observed, { kind: 'event', type: 'Warning', reason: 'ActionBlocked', message });
    await this.opts.client
      .patch(loadTestStatusPath(lt.metadata.namespace, lt.metadata.name), { status: { message } })
      .catch((e: Error) =>
        this.opts.log.warn({ loadTest: lt.metadata.name, err: e.message }, 'status not recorded'),
      );
  }

  async act(observed: Observed, decision: Decision): Promise<void> {
    // In order: the Job needs its ConfigMap, the report precedes the status that points at it.
    // Checkpoints depend on nothing and nothing on them: written side by side, not one after another.
    const checkpoints = decision.actions.filter((a) => a.kind === 'checkpoint');
    for (const action of decision.actions) if (action.kind !== 'checkpoint') await this.one(observed, action);
    await Promise.all(checkpoints.map((action) => this.one(observed, action)));
    const stored = observed.loadTest.status ?? {};
    // Messages are clipped to the CRD's limits: an over-long one would fail every status write.
    const status = fitStatus(decision.status);
    if (
      JSON.stringify(status) !== JSON.stringify(stored) &&
      !decision.actions.some((a) => a.kind === 'deleteLoadTest')
    ) {
      try {
        await this.opts.client.patch(
          loadTestStatusPath(observed.loadTest.metadata.namespace, observed.loadTest.metadata.name),
          { status: statusMergePatch(stored, status) },
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }
}
