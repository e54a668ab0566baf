/**
 * `stampede runner`: one shard in a pod. Runs spec.postgres.setup first if it owns it (shard 0), and only
 * then reports ready, so no shard's start instant comes before the tables exist; a failed setup is reported
 * as state `failed` with the error. Runs when the controller calls /start with the shared start time; after
 * the run keeps serving /snapshot until the controller has stored the results and calls /release (no fixed
 * linger: the Job's deadline bounds the wait), so nothing measured is lost; then exits so the Indexed Job
 * completes.
 */

import { MAX_MANIFEST_BYTES } from '../api/spec-constants.js';
import { readBoundedTextFile } from '../engine/bounded-file.js';
import { ShardRunner } from '../engine/shard-runner.js';
import { createLogger } from '../observability/log.js';
import { type RunnerConfig, runnerConfigFromEnv, specInput } from './config.js';
import { boundPort, startControlApi } from './control-api.js';
import type { StartWindow } from './control-auth.js';
import { createRunnerMetrics } from './metrics.js';
import { exitCodeBeforeStart, ShardLifecycle } from './shard-lifecycle.js';

export { RUNNER_NEVER_STARTED, RUNNER_SETUP_FAILED } from './shard-lifecycle.js';

/** After SIGTERM the pod has its termination grace period (30 s by default); leave some of it unused. */
const SIGTERM_LINGER_MS = 20_000;
/** Exit code when the configuration is unusable: the pod fails fast and the controller reports why. */
export const RUNNER_BAD_CONFIG = 2;
/** The controller leads its shared start by a few seconds; a minute covers clock skew between nodes. */
const START_AHEAD_MS = 60_000;

export async function runnerMain(env: NodeJS.ProcessEnv): Promise<number> {
  const log = createLogger('runner');
  const parsed = runnerConfigFromEnv(
    env,
    specInput(env, (file) => readBoundedTextFile(file, MAX_MANIFEST_BYTES)),
  );
  if (!parsed.ok) {
    log.error({ problems: parsed.problems }, 'runner configuration invalid');
    return RUNNER_BAD_CONFIG;
  }
  return runShard(parsed.config, log);
}

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
    ...(config.protoDir ? { protoDir: config.protoDir } : {}),
  });
  // A runner that got ready late is sent the shared instant, which may be up to its start deadline old.
  const window: StartWindow = { aheadMs: START_AHEAD_MS, behindMs: config.startDeadlineMs };
  const lifecycle = new ShardLifecycle(runner, shard, window, log);
  const metrics = createRunnerMetrics(loadTest.metadata.name, () => runner.snapshot());
  const handlers = lifecycle.handlers(async () => ({
    contentType: metrics.contentType,
    body: await metrics.metrics(),
  }));
  const server = await startControlApi(handlers, config.host, config.port, config.controlToken);
  log.info(
    { shard, host: config.host, port: boundPort(server), policy: config.policy?.entries ?? 'none' },
    'runner serving',
  );
  lifecycle.prepare();
  const linger = { ms: config.lingerMs };
  process.once('SIGTERM', () => {
    linger.ms = Math.min(linger.ms ?? SIGTERM_LINGER_MS, SIGTERM_LINGER_MS);
    lifecycle.interrupt('SIGTERM');
  });

  await waitForStart(lifecycle, config.startDeadlineMs);
  if (lifecycle.startAt === undefined) {
    const { stopRequested, setupError } = lifecycle;
    log.error(
      { shard, stopRequested, setupError },
      stopRequested ? 'runner stopped before start' : 'runner never started',
    );
    server.close();
    return exitCodeBeforeStart(stopRequested, setupError);
  }
  await lifecycle.finished;
  await waitForRelease(lifecycle, () => linger.ms);
  log.info({ shard, released: lifecycle.released }, 'runner exiting');
  server.closeAllConnections();
  server.close();
  return 0;
}

/** Until /start, a stop, or the start deadline. */
async function waitForStart(lifecycle: ShardLifecycle, startDeadlineMs: number): Promise<void> {
  const deadline = Date.now() + startDeadlineMs;
  while (lifecycle.startAt === undefined && !lifecycle.stopRequested && Date.now() < deadline) {
    await Promise.race([lifecycle.woken(), sleep(deadline - Date.now())]);
  }
}

/**
 * Keeps serving /snapshot until /release. Without a linger limit it waits for /release (or SIGTERM, which sets
 * one): the controller may be down.
 */
async function waitForRelease(lifecycle: ShardLifecycle, lingerMs: () => number | undefined): Promise<void> {
  const finishedAt = Date.now();
  const lingerUntil = () => {
    const ms = lingerMs();
    return ms === undefined ? Number.POSITIVE_INFINITY : finishedAt + ms;
  };
  while (!lifecycle.released && Date.now() < lingerUntil())
    await Promise.race([lifecycle.woken(), sleep(Math.min(lingerUntil() - Date.now(), 60_000))]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
