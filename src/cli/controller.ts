/**
 * `stampede controller`: watches LoadTests (and the runner Jobs and pods they own), queues keys, and
 * reconciles them with a few workers. Optional leader election makes two replicas safe.
 */

import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { parseDurationUs } from '../api/duration.js';
import { Actor } from '../controller/act.js';
import { CheckpointStore } from '../controller/checkpoints.js';
import { controlKeyFrom } from '../controller/control-token.js';
import { parseGuardrails } from '../controller/guardrails.js';
import { LeaderElector } from '../controller/leader.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { DEFAULT_SETTINGS } from '../controller/model.js';
import { LABEL_COMPONENT, LABEL_LOADTEST } from '../controller/names.js';
import { Observer } from '../controller/observe.js';
import { jobs, loadTestCollection, pods, withLabels } from '../controller/paths.js';
import { parsePrometheusPolicy } from '../controller/prometheus-policy.js';
import { WorkQueue } from '../controller/queue.js';
import { Reconciler } from '../controller/reconciler.js';
import { parseRunnerPodSettings } from '../controller/runner-pod-settings.js';
import { DEFAULT_RESULT_HOLD_SECONDS } from '../controller/runner-spec.js';
import { parseTargetPolicy } from '../controller/target-policy.js';
import { LoadTestEventFilter } from '../controller/watch-filter.js';
import { KubeClient } from '../kube/client.js';
import { loadCredentials } from '../kube/kubeconfig.js';
import { startListWatch } from '../kube/list-watch.js';
import { createLogger, type Logger } from '../observability/log.js';
import { type ParsedArgs, parseArgs, UsageError } from './args.js';

export const CONTROLLER_USAGE = `usage: stampede controller [--kubeconfig FILE] [--namespace NS] [--runner-image IMAGE]
  [--runner-command "stampede runner"] [--metrics-port 8080] [--workers 4] [--leader-elect]
  [--lease-namespace NS] [--ready-timeout 2m] [--ttl-after-finished DURATION] [--result-hold 1h]`;

interface Labeled {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    deletionTimestamp?: string;
  };
}

function durationMs(
  text: string | undefined,
  fallback: number | undefined,
  flag: string,
): number | undefined {
  if (text === undefined) return fallback;
  const us = parseDurationUs(text);
  if (us === undefined) throw new UsageError(`--${flag} must be a duration such as 2m, got ${text}`);
  return us / 1000;
}

/** Runs a parser of the operator's configuration; its error becomes a usage error (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The installer's limits: where LoadTests may connect, which Prometheus they may name, how big they may be. */
function operatorPolicies(env: NodeJS.ProcessEnv) {
  return {
    targetPolicy: usage(() => {
      try {
        return parseTargetPolicy(env.STAMPEDE_TARGET_ALLOWLIST);
      } catch (error) {
        throw new Error(`STAMPEDE_TARGET_ALLOWLIST: ${(error as Error).message}`);
      }
    }),
    guardrails: usage(() => parseGuardrails(env.STAMPEDE_GUARDRAILS)),
    prometheus: usage(() => parsePrometheusPolicy(env.STAMPEDE_PROMETHEUS_URLS)),
  };
}

/** /metrics for Prometheus; /healthz and /readyz say whether this replica leads. */
function serveMetrics(metrics: ControllerMetrics, leading: () => boolean) {
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      void metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      });
    } else if (req.url === '/healthz' || req.url === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, leading: leading() }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
}

/** List-watches of LoadTests and of the runner pods and Jobs they own; each change queues its LoadTest. */
function watchLoadTests(
  client: KubeClient,
  namespace: string | undefined,
  queue: WorkQueue,
  log: Logger,
): { stop(): void }[] {
  const watches: { stop(): void }[] = [];
  const keyOf = (o: Labeled) => `${o.metadata.namespace}/${o.metadata.name}`;
  // Our own status writes come back as events; they are not news (see watch-filter.ts).
  const filter = new LoadTestEventFilter();
  watches.push(
    startListWatch<Labeled>({
      client,
      path: loadTestCollection(namespace),
      log,
      onChange: (o, type) => {
        if (filter.wants(o, type)) queue.add(keyOf(o));
      },
    }),
  );
  // Runner pods and Jobs changing (ready, crashed, finished) is news for their LoadTest.
  const selector = `${LABEL_COMPONENT}=runner`;
  const owned = (o: Labeled) => {
    const lt = o.metadata.labels?.[LABEL_LOADTEST];
    if (lt) queue.add(`${o.metadata.namespace}/${lt}`);
  };
  watches.push(
    startListWatch<Labeled>({
      client,
      path: withLabels(pods(namespace), selector),
      log,
      onChange: owned,
    }),
  );
  watches.push(
    startListWatch<Labeled>({
      client,
      path: withLabels(jobs(namespace), selector),
      log,
      onChange: owned,
    }),
  );
  return watches;
}

/** One worker: reconcile keys until the queue shuts down; failures back off per key. */
async function work(queue: WorkQueue, reconciler: Reconciler, metrics: ControllerMetrics, log: Logger) {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      const { requeueAfterMs } = await reconciler.reconcile(key);
      queue.forget(key);
      metrics.reconciles.inc({ result: 'ok' });
      if (requeueAfterMs !== undefined) queue.addAfter(key, requeueAfterMs);
    } catch (error) {
      metrics.reconciles.inc({ result: 'error' });
      const retryInMs = queue.addRateLimited(key);
      log.warn({ loadTest: key, err: (error as Error).message, retryInMs }, 'reconcile failed');
    } finally {
      queue.done(key);
    }
  }
}

/** The reconciler with its observer, actor, settings and policy, configured from flags and environment. */
function operatorParts(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  client: KubeClient,
  identity: string,
  log: Logger,
) {
  const settings = {
    ...DEFAULT_SETTINGS,
    readyTimeoutMs: durationMs(
      args.values['ready-timeout'],
      DEFAULT_SETTINGS.readyTimeoutMs,
      'ready-timeout',
    ) as number,
    ttlAfterFinishedMs: durationMs(args.values['ttl-after-finished'], undefined, 'ttl-after-finished'),
  };
  const runnerCommand = (
    args.values['runner-command'] ??
    env.STAMPEDE_RUNNER_COMMAND ??
    'stampede runner'
  ).split(/\s+/);
  const policies = operatorPolicies(env);
  const metrics = new ControllerMetrics();
  const control = controlKeyFrom(env);
  if ('problem' in control) throw new UsageError(control.problem);
  if (control.generated)
    log.warn(
      {},
      'STAMPEDE_CONTROL_KEY unset: a random key for this process; after a restart the controller cannot command runners it started',
    );
  // One checkpoint store for both: the observer reads what the actor saved.
  const checkpoints = new CheckpointStore(client);
  const observer = new Observer(client, control.key, undefined, checkpoints, log);
  const runnerServiceAccount = args.values['runner-service-account'] ?? env.STAMPEDE_RUNNER_SERVICE_ACCOUNT;
  const actor = new Actor({
    client,
    identity,
    log,
    controlKey: control.key,
    ...(policies.targetPolicy ? { targetPolicy: policies.targetPolicy } : {}),
    checkpoints,
    // Runners keep their final results this long after the planned run for a controller that is down.
    resultHoldSeconds: Math.ceil(
      (durationMs(args.values['result-hold'], DEFAULT_RESULT_HOLD_SECONDS * 1000, 'result-hold') as number) /
        1000,
    ),
    runner: {
      image:
        args.values['runner-image'] ?? env.STAMPEDE_RUNNER_IMAGE ?? 'ghcr.io/stampede-dev/stampede:latest',
      command: runnerCommand,
      startDeadlineSeconds: Math.ceil(settings.readyTimeoutMs / 1000) + 60,
      ...(runnerServiceAccount ? { serviceAccountName: runnerServiceAccount } : {}),
      ...usage(() => parseRunnerPodSettings(env.STAMPEDE_RUNNER_POD)),
    },
  });
  const reconciler = new Reconciler(
    observer,
    actor,
    settings,
    metrics,
    log,
    policies.targetPolicy,
    policies.guardrails,
    policies.prometheus,
  );
  return { metrics, reconciler, targetPolicy: policies.targetPolicy, guardrails: policies.guardrails };
}

export async function controllerMain(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const args = parseArgs(argv, {
    values: [
      'kubeconfig',
      'namespace',
      'runner-image',
      'runner-command',
      'metrics-port',
      'metrics-host',
      'workers',
      'lease-namespace',
      'ready-timeout',
      'ttl-after-finished',
      'result-hold',
      'runner-service-account',
    ],
    flags: ['leader-elect'],
  });
  if (args.positional.length) throw new UsageError(CONTROLLER_USAGE);
  const log = createLogger('controller');
  const client = new KubeClient(loadCredentials(args.values.kubeconfig, env));
  const identity = env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const { metrics, reconciler, targetPolicy, guardrails } = operatorParts(args, env, client, identity, log);
  const queue = new WorkQueue();
  const namespace = args.values.namespace ?? env.STAMPEDE_WATCH_NAMESPACE;
  let leading = !args.flags.has('leader-elect');

  const metricsServer = serveMetrics(metrics, () => leading);
  const port = Number(args.values['metrics-port'] ?? 8080);
  await new Promise<void>((resolve) =>
    metricsServer.listen(port, args.values['metrics-host'] ?? env.POD_IP ?? '0.0.0.0', resolve),
  );
  log.info(
    {
      port,
      namespace: namespace ?? '(all)',
      identity,
      targetPolicy: targetPolicy?.entries ?? "each LoadTest's own namespace",
      guardrails,
    },
    'controller metrics listening',
  );

  const watches: { stop(): void }[] = [];
  const startControllers = () => {
    leading = true;
    watches.push(...watchLoadTests(client, namespace, queue, log));
    const workers = Number(args.values.workers ?? 4);
    for (let i = 0; i < workers; i++) void worker();
  };

  const worker = () => work(queue, reconciler, metrics, log);

  let elector: LeaderElector | undefined;
  const shutdown = async () => {
    log.info({}, 'controller shutting down');
    queue.shutDown();
    for (const w of watches) w.stop();
    await elector?.release();
    metricsServer.close();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());

  if (args.flags.has('leader-elect')) {
    elector = new LeaderElector(client, {
      namespace: args.values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'default',
      name: 'stampede-controller',
      identity,
      leaseDurationSeconds: 15,
      renewIntervalMs: 5000,
      log,
    });
    void elector.run(startControllers, () => process.exit(1));
  } else startControllers();
  return undefined;
}
