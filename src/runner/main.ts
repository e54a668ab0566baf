/**
 * `stampede runner`: one shard in a pod. Runs spec.postgres.setup first if it owns it (shard 0), and only
 * then reports ready, so no shard's start instant comes before the tables exist; a failed setup is reported
 * as state `failed` with the error. Runs when the controller calls /start with the shared start time; after
 * the run keeps serving /snapshot until the controller has stored the results and calls /release (no fixed
 * linger: the Job's deadline bounds the wait), so nothing measured is lost; then exits so the Indexed Job
 * completes.
 */

import { readFileSync } from 'node:fs';
import { ShardRunner } from '../engine/shard-runner.js';
import { createLogger } from '../observability/log.js';
import { type RunnerConfig, runnerConfigFromEnv, specInput } from './config.js';
import { boundPort, startControlApi } from './control-api.js';
import { implausibleStart, type StartWindow } from './control-auth.js';
import { createRunnerMetrics } from './metrics.js';
import type { RunnerState } from './protocol.js';

/** After SIGTERM the pod has its termination grace period (30 s by default); leave some of it unused. */
const SIGTERM_LINGER_MS = 20_000;
/** Exit code when the configuration is unusable: the pod fails fast and the controller reports why. */
export const RUNNER_BAD_CONFIG = 2;
export const RUNNER_NEVER_STARTED = 3;
/** The controller leads its shared start by a few seconds; a minute covers clock skew between nodes. */
const START_AHEAD_MS = 60_000;
export const RUNNER_SETUP_FAILED = 4;

export async function runnerMain(env: NodeJS.ProcessEnv): Promise<number> {
  const log = createLogger('runner');
  const parsed = runnerConfigFromEnv(
    env,
    specInput(env, (file) => readFileSync(file, 'utf8')),
  );
  if (!parsed.ok) {
    log.error({ problems: parsed.problems }, 'runner configuration invalid');
    return RUNNER_BAD_CONFIG;
  }
  return runShard(parsed.config, log);
}

// Long: the control API's start, stop and release handlers share this shard's lifecycle state.
async function runShard(config: RunnerConfig, log: ReturnType<typeof createLogger>): Promise<number> {
  const { loadTest, shard } = config;
  const runner = new ShardRunner({
    loadTest,
    shard,
    baseDir: config.baseDir ?? process.cwd(),
    env: config.env,
    secrets: config.secrets,
    threads: 1,
    ...(config.policy ? { policy: config.policy } : {}),
  });
  let startAt: number | undefined;
  let prepared = false;
  let setupError: string | undefined;
  let finished: Promise<unknown> | undefined;
  let released = false;
  let stopRequested = false;
  let runEnded = false;
  /** A signal that stopped the run before its end, told to the controller with every snapshot. */
  let interrupted: RunnerState['interrupted'];
  let wake: () => void = () => undefined;
  const woken = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const metrics = createRunnerMetrics(loadTest.metadata.name, () => runner.snapshot());
  // A runner that got ready late is sent the shared instant, which may be up to its start deadline old.
  const window: StartWindow = { aheadMs: START_AHEAD_MS, behindMs: config.startDeadlineMs };

  const server = await startControlApi(
    {
      ready: () => prepared,
      start(at) {
        if (!prepared)
          return { accepted: false, message: setupError ?? 'spec.postgres.setup has not finished' };
        if (startAt === undefined) {
          const implausible = implausibleStart(at, Date.now(), window);
          if (implausible) {
            log.warn({ shard, startAt: at }, 'runner start refused: implausible instant');
            return { accepted: false, implausible: true, message: implausible };
          }
          startAt = at;
          log.info({ shard, startAt: new Date(at).toISOString() }, 'runner start scheduled');
          finished = runner
            .run(at)
            .then(
              () => log.info({ shard }, 'runner finished'),
              (error: Error) => log.error({ shard, err: error.message }, 'runner failed'),
            )
            .finally(() => {
              runEnded = true;
            });
          wake();
          return { accepted: true, message: `starting at ${new Date(at).toISOString()}` };
        }
        // A controller that restarted may send /start again; the same instant is not a conflict.
        const same = startAt === at;
        return { accepted: same, message: `already started at ${new Date(startAt).toISOString()}` };
      },
      stop() {
        stopRequested = true;
        runner.stop();
        wake();
      },
      stopStepping(order) {
        if (startAt === undefined) return { accepted: false, message: 'not started' };
        if (!runner.plans.some((p) => p.scenario === order.scenario && p.executor === 'breakpoint'))
          return { accepted: false, message: `no breakpoint scenario ${order.scenario}` };
        runner.stopStepping(order);
        log.info({ shard, ...order }, 'runner stops stepping');
        return { accepted: true, message: `stepping stops at ${order.atOffsetMs} ms` };
      },
      release() {
        released = true;
        wake();
      },
      snapshot(): RunnerState {
        const snapshot = runner.snapshot();
        if (setupError) return { state: 'failed', error: setupError, snapshot };
        if (!prepared) return { state: 'preparing', snapshot };
        const state = startAt === undefined ? 'waiting' : snapshot.done ? 'done' : 'running';
        return {
          state,
          ...(startAt !== undefined ? { startAt } : {}),
          ...(interrupted ? { interrupted } : {}),
          snapshot,
        };
      },
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
    },
    config.host,
    config.port,
    config.controlToken,
  );
  log.info(
    { shard, host: config.host, port: boundPort(server), policy: config.policy?.entries ?? 'none' },
    'runner serving',
  );
  runner.prepare().then(
    () => {
      prepared = true;
      log.info({ shard }, 'runner ready');
    },
    (error: Error) => {
      setupError = error.message;
      log.error({ shard, err: error.message }, 'runner setup failed');
      wake();
    },
  );

  let lingerMs = config.lingerMs;
  process.once('SIGTERM', () => {
    // Only a run in progress is cut short: not before its start, after its end or after the controller's stop.
    if (startAt !== undefined && !runEnded && !stopRequested) interrupted = 'SIGTERM';
    log.info({ shard, interrupted }, 'runner got SIGTERM, stopping');
    lingerMs = Math.min(lingerMs ?? SIGTERM_LINGER_MS, SIGTERM_LINGER_MS);
    stopRequested = true;
    runner.stop();
    wake();
  });

  const deadline = Date.now() + config.startDeadlineMs;
  while (startAt === undefined && !stopRequested && Date.now() < deadline) {
    await Promise.race([woken(), sleep(deadline - Date.now())]);
  }
  if (startAt === undefined) {
    log.error(
      { shard, stopRequested, setupError },
      stopRequested ? 'runner stopped before start' : 'runner never started',
    );
    server.close();
    if (setupError) return RUNNER_SETUP_FAILED;
    return stopRequested ? 0 : RUNNER_NEVER_STARTED;
  }
  await finished;
  // Without a linger limit, wait for /release (or SIGTERM, which sets one): the controller may be down.
  const finishedAt = Date.now();
  const lingerUntil = () => (lingerMs === undefined ? Number.POSITIVE_INFINITY : finishedAt + lingerMs);
  while (!released && Date.now() < lingerUntil())
    await Promise.race([woken(), sleep(Math.min(lingerUntil() - Date.now(), 60_000))]);
  log.info({ shard, released }, 'runner exiting');
  server.closeAllConnections();
  server.close();
  return 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
