/**
 * Runs one shard of a LoadTest: the same code in a local worker thread and in a runner pod. Builds the
 * plans, starts each scenario at its startTime, samples generator health once a second, and hands out
 * cumulative snapshots.
 */
import { basename, join, resolve } from 'node:path';
import { durationUs } from '../api/duration.js';
import type { LoadTest } from '../api/schema.js';
import { ShardRecorder } from '../metrics/recorder.js';
import type { IntervalSnapshot, ShardSnapshot } from '../metrics/snapshot.js';
import { usableCores } from '../metrics/usable-cores.js';
import { createRedactor } from '../observability/secret-redactor.js';
import { DEFAULT_MAX_BODY_BYTES } from '../protocols/body-capture.js';
import { ConnectGuard } from '../protocols/connect-guard.js';
import { connectionPolicy } from '../protocols/connection-policy.js';
import { GrpcChannel } from '../protocols/grpc/client.js';
import { HttpClient, type TlsMaterial } from '../protocols/http.js';
import { PgPools } from '../protocols/postgres.js';
import { collectGarbage } from './collect-garbage.js';
import type { ScenarioPlan } from './executor.js';
import { EXECUTOR_REGISTRY } from './executors/index.js';
import { FeederCursor, loadFeederRows } from './feeders.js';
import { compileFlow, type FlowEnv, type StepRunner } from './flow.js';
import { type CompiledLifecycle, compileLifecycle } from './lifecycle.js';
import { pgPoolOptions, runPostgresScript } from './pg-setup.js';
import { resolvePgUrl } from './pg-url.js';
import { coarseWakeAt, preciseClockReady, startPreciseClock } from './precise-clock.js';
import { preconnectLanes } from './preconnect.js';
import { ScenarioRuntime } from './scenario-runtime.js';
import { SecondTicker } from './second-ticker.js';
import { type Shard, shareOf, type VuRange, vuRanges } from './shard.js';
import { planShard } from './shard-plan.js';
import type { StopStepping } from './stepping.js';
import { setLongTimeout } from './timers.js';
import { readTlsMaterial } from './tls-material.js';

export const DEFAULT_REQUEST_TIMEOUT = '10s';
const CONNECT_TIMEOUT_MS = 10_000;

export interface ShardRunOptions {
  loadTest: LoadTest;
  shard: Shard;
  /** Directory that relative feeder paths resolve against. */
  baseDir: string;
  env: Record<string, string>;
  /** Values of spec.env that came from Secrets: redacted in every error message this shard keeps. */
  secrets?: string[];
  /** Worker threads generating load in this process (for saturation judgement). */
  threads: number;
  /**
   * Run spec.postgres.setup before the load and teardown after it. Default: only shard 0 does, which is
   * what a cluster needs; the local coordinator runs them itself and passes false.
   */
  postgresSetup?: boolean;
  /** The admin's connection policy, checked at every connect; none: connect anywhere. */
  policy?: ShardPolicy;
  /**
   * Where a runner pod finds the ConfigMaps of grpc steps' protoConfigMap, one folder per ConfigMap; unset
   * (local runs): `proto` is a file relative to baseDir.
   */
  protoDir?: string;
}

/** The .proto of a grpc step: in a runner pod from its mounted ConfigMap, else the file beside the manifest. */
export function protoPath(
  proto: string,
  configMap: string | undefined,
  options: Pick<ShardRunOptions, 'baseDir' | 'protoDir'>,
): string {
  if (configMap !== undefined && options.protoDir !== undefined)
    return join(options.protoDir, configMap, basename(proto));
  return resolve(options.baseDir, proto);
}

/** A connection policy as plain data, so it crosses into worker threads. */
export interface ShardPolicy {
  entries: string[];
  /** The API server's address (KUBERNETES_SERVICE_HOST), never dialled unless an entry names it. */
  apiServer?: string;
}

export function shardGuard(policy: ShardPolicy | undefined): ConnectGuard | undefined {
  return policy ? new ConnectGuard(connectionPolicy(policy.entries, policy.apiServer)) : undefined;
}

/** A scenario's start-independent parts, made before the start instant (see prepareScenario). */
interface PreparedScenario {
  live: Set<{ abort(): void }>;
  flow: StepRunner;
  lifecycle: CompiledLifecycle | undefined;
  feeders: Map<string, FeederCursor>;
  /** Set once the scenario has started; the flow's steps ask it whether a hard stop came. */
  runtime?: ScenarioRuntime;
}

export class ShardRunner {
  readonly plans: ScenarioPlan[];
  /** How each plan's VUs are numbered: global ids, and lanes (connections) unique on this shard. */
  private readonly vuRanges: VuRange[];
  readonly recorder: ShardRecorder;
  private readonly http: HttpClient;
  private readonly tls: TlsMaterial | undefined;
  private readonly pg: PgPools;
  /** The channel to a grpc:// or grpcs:// target, opened when the first gRPC step is compiled. */
  private grpc: GrpcChannel | undefined;
  private readonly guard: ConnectGuard | undefined;
  private readonly live: Set<{ abort(): void }>[] = [];
  private prepared: Promise<void> | undefined;
  private readied: Promise<PreparedScenario[]> | undefined;
  private readonly runtimes: ScenarioRuntime[] = [];
  private stopped = false;
  private failedTeardown: string | undefined;
  private readonly stopWaiters = new Set<() => void>();
  private readonly steppingStops = new Map<string, StopStepping>();
  private readonly started = new Map<string, { plan: ScenarioPlan; runtime: ScenarioRuntime }>();

  constructor(private readonly options: ShardRunOptions) {
    const { loadTest, shard } = options;
    this.plans = planShard(loadTest, shard);
    this.vuRanges = vuRanges((s) => planShard(loadTest, s).map((p) => p.maxVUs), shard);
    // The cores the saturation judgement measures CPU against: a cgroup CPU quota counts, not just CPUs.
    const usable = usableCores();
    this.recorder = new ShardRecorder(shard.index, shard.total, {
      cores: usable.cores,
      coresFrom: usable.from,
      threads: options.threads,
    });
    this.recorder.redact = createRedactor(options.secrets ?? []);
    const totalVUs = this.plans.reduce((sum, p) => sum + p.maxVUs, 0);
    this.tls = readTlsMaterial(loadTest, options.baseDir);
    this.guard = shardGuard(options.policy);
    const guard = this.guard ? { guard: this.guard } : {};
    this.http = new HttpClient({
      ...guard,
      connections: loadTest.spec.target.connections ?? Math.max(1, totalVUs),
      vus: Math.max(1, totalVUs),
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      insecureSkipTLSVerify: loadTest.spec.target.insecureSkipTLSVerify ?? false,
      tls: this.tls,
      // HTTP/2 multiplexes every VU's streams over a few sessions: one per shard unless connections says.
      ...(loadTest.spec.target.http2
        ? { http2: { connections: loadTest.spec.target.connections ?? 1 } }
        : {}),
      // Negotiated: HTTP/1.1 keeps one connection per VU, HTTP/2 one session, unless connections says.
      ...(loadTest.spec.target.negotiateHttp2
        ? { negotiateHttp2: { connections: loadTest.spec.target.connections ?? 1 } }
        : {}),
    });
    // Open-model arrivals wait on the clock thread; it starts now, while the runner waits for its start
    // instant, not at the first arrival. Closed models only wait for their end and VU ticks, which whole-ms
    // timers serve, so a run without arrivals does not pay for a thread (tens of ms of CPU to start).
    if (this.plans.some((p) => p.model === 'open')) startPreciseClock();
    const postgres = pgPoolOptions(loadTest.spec.postgres);
    // The pool size is for the whole test; each shard opens its exact share, at least one.
    this.pg = new PgPools({ ...postgres, ...guard, size: Math.max(1, shareOf(postgres.size, shard)) });
  }

  private get runsPostgresScripts(): boolean {
    return this.options.postgresSetup ?? this.options.shard.index === 0;
  }

  /**
   * Runs spec.postgres.setup if this shard owns it (once; later calls return the same promise). run()
   * calls it before waiting for the start instant; a runner may call it earlier, before it reports ready,
   * so other shards cannot start before the setup is done.
   */
  prepare(): Promise<void> {
    this.prepared ??= this.runsPostgresScripts
      ? runPostgresScript(this.options.loadTest.spec.postgres, 'setup', this.options.env, this.guard)
      : Promise.resolve();
    return this.prepared;
  }

  /**
   * Everything before the start instant that takes time: the setup script, connections, compiled flows,
   * warm codecs and the clock thread. run() calls it; a worker calls it first and says it is ready only
   * after, so none of it shares the core with the first second of load. Later calls return the same promise.
   */
  ready(): Promise<PreparedScenario[]> {
    this.readied ??= (async () => {
      await this.prepare();
      // The connections the scenarios' first VUs will use, opened while the shard waits for its start.
      const lanes = preconnectLanes(this.plans, this.vuRanges);
      if (lanes.length > 0)
        this.http.preconnect(new URL(this.options.loadTest.spec.target.baseURL).origin, lanes);
      let prepared: PreparedScenario[];
      try {
        prepared = this.plans.map((plan) => this.prepareScenario(plan));
      } catch (error) {
        // Nothing ran: close what preconnect and compiling opened, then report the cause.
        this.grpc?.close();
        await this.http.destroy();
        throw error;
      }
      this.recorder.warmUp();
      await preciseClockReady();
      return prepared;
    })();
    return this.readied;
  }

  /** The shard's cumulative snapshot; `intervalsFrom` leaves out the per-second intervals a reader holds. */
  snapshot(intervalsFrom = 0): ShardSnapshot {
    return this.recorder.snapshot(intervalsFrom);
  }

  /** The per-second intervals from `from` on, without the cumulative figures (cheap). */
  intervalsSince(from: number): IntervalSnapshot[] {
    return this.recorder.intervalsSince(from);
  }

  /** Graceful stop: no new iterations; running ones get their scenario's gracefulStop. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const rt of this.runtimes) rt.stopAccepting();
    for (const wake of [...this.stopWaiters]) wake();
  }

  /** Breakpoint scenarios: stop stepping at the given offset. The first order per scenario wins. */
  stopStepping(order: StopStepping): void {
    if (this.steppingStops.has(order.scenario)) return;
    if (!this.plans.some((p) => p.scenario === order.scenario && p.executor === 'breakpoint')) return;
    this.steppingStops.set(order.scenario, order);
    this.applySteppingStop(order.scenario);
  }

  private applySteppingStop(scenario: string): void {
    const order = this.steppingStops.get(scenario);
    const started = this.started.get(scenario);
    if (!order || !started) return;
    started.runtime.steppingStopUs = Math.max(0, order.atOffsetMs * 1000 - started.plan.startOffsetUs);
    started.runtime.recorder.stepping = {
      stoppedAtMs: order.atOffsetMs,
      level: order.level,
      condition: order.condition,
    };
  }

  /** Why spec.postgres.teardown failed after this shard's load, when it ran here and failed. */
  get teardownError(): string | undefined {
    return this.failedTeardown;
  }

  /**
   * Runs the shard. `startAtEpochMs` synchronizes shards: every shard begins load at the same wall-clock
   * instant. `onInterval` is called once per whole second, after it is closed (take a snapshot then); the
   * partial last second has no call, the returned snapshot carries it.
   */
  async run(startAtEpochMs: number, onInterval?: () => void): Promise<ShardSnapshot> {
    const prepared = await this.ready();
    collectGarbage();
    await this.sleep(startAtEpochMs - Date.now());
    this.recorder.start();
    const testStartMs = performance.now();
    const seconds = new SecondTicker(this.recorder, onInterval);
    try {
      await Promise.all(
        this.plans.map((plan, i) =>
          this.runScenario(plan, prepared[i] as PreparedScenario, this.vuRanges[i] as VuRange, testStartMs),
        ),
      );
    } finally {
      // Load ends here: elapsed stops, and closing connections or the teardown script below is not in it.
      seconds.end();
      for (const live of this.live) for (const work of [...live]) work.abort();
      this.grpc?.close();
      await Promise.all([this.http.destroy(), this.pg.end()]);
      this.recorder.finish();
    }
    if (this.runsPostgresScripts) {
      // The load's results stand whatever the teardown does; its failure is told beside them.
      await runPostgresScript(
        this.options.loadTest.spec.postgres,
        'teardown',
        this.options.env,
        this.guard,
      ).catch((error: Error) => {
        this.failedTeardown = error.message;
      });
    }
    return this.recorder.snapshot();
  }

  /**
   * Everything a scenario needs before its first iteration that does not depend on when it starts: its
   * compiled flow and lifecycle (with their step recorders) and its feeders. Done before the start instant:
   * compiling and allocating the recorders' histograms after it took the load thread ~9 ms at the start.
   */
  private prepareScenario(plan: ScenarioPlan): PreparedScenario {
    const { loadTest, shard, env } = this.options;
    const target = new URL(loadTest.spec.target.baseURL);
    const live = new Set<{ abort(): void }>();
    this.live.push(live);
    const prepared: Omit<PreparedScenario, 'flow' | 'lifecycle'> = { live, feeders: new Map() };
    const flowEnv: FlowEnv = {
      target: {
        origin: target.origin,
        basePath: target.pathname,
        headers: loadTest.spec.target.headers ?? {},
        timeoutMs: durationUs(loadTest.spec.target.timeout ?? DEFAULT_REQUEST_TIMEOUT) / 1000,
        insecureSkipTLSVerify: loadTest.spec.target.insecureSkipTLSVerify ?? false,
        maxBodyBytes: loadTest.spec.target.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        http2: loadTest.spec.target.http2 ?? false,
        ...(this.tls ? { tls: this.tls } : {}),
      },
      http: this.http,
      ...(this.guard ? { guard: this.guard } : {}),
      pgPool: (source) => this.pg.forUrl(resolvePgUrl(source, loadTest.spec.postgres, env)),
      recorder: (step, protocol) => this.recorder.step(plan.scenario, step, plan.model, protocol),
      // A closed scenario counts as hard-stopped for the interrupted iterations still waiting on an answer.
      isHardStopped: () =>
        prepared.runtime ? prepared.runtime.hardStopped || prepared.runtime.closed : false,
      live,
      grpcChannel: () => this.grpcChannelFor(target),
      resolveFile: (file) => resolve(this.options.baseDir, file),
      resolveProto: (proto, configMap) => protoPath(proto, configMap, this.options),
    };
    for (const [name, spec] of Object.entries(loadTest.spec.feeders ?? {})) {
      prepared.feeders.set(
        name,
        new FeederCursor(loadFeederRows(spec, this.options.baseDir), spec.order ?? 'sequential', shard),
      );
    }
    return Object.assign(prepared, {
      flow: compileFlow(plan.spec.flow, flowEnv),
      lifecycle: compileLifecycle(plan.spec.lifecycle, flowEnv, () => performance.now()),
    });
  }

  private async runScenario(
    plan: ScenarioPlan,
    prepared: PreparedScenario,
    vus: VuRange,
    testStartMs: number,
  ): Promise<void> {
    const { env } = this.options;
    await this.sleep(testStartMs + plan.startOffsetUs / 1000 - performance.now());
    if (this.stopped) return;
    const scenarioRecorder = this.recorder.scenario(plan.scenario, plan.executor, plan.model);
    const { live } = prepared;
    const executor = EXECUTOR_REGISTRY[plan.executor];
    const runtime: ScenarioRuntime = new ScenarioRuntime({
      scenario: plan.scenario,
      recorder: scenarioRecorder,
      iterationErrors: this.recorder.step(plan.scenario, '(iteration)', plan.model),
      flow: prepared.flow,
      env,
      feeders: prepared.feeders,
      vus,
      startMs: performance.now(),
      ...(plan.model === 'closed' ? { wakeAt: coarseWakeAt } : {}),
      lifecycle: prepared.lifecycle,
    });
    prepared.runtime = runtime;
    this.runtimes.push(runtime);
    this.started.set(plan.scenario, { plan, runtime });
    this.applySteppingStop(plan.scenario);
    if (this.stopped) runtime.stopAccepting();
    await executor.run(plan, runtime);
    runtime.stopAccepting();
    const stillRunning = await runtime.drain(plan.gracefulStopUs / 1000);
    if (stillRunning > 0) {
      runtime.hardStop();
      for (const work of [...live]) work.abort();
    }
    // Per-VU teardown (log out) gets the scenario's gracefulStop as its own bound.
    await runtime.teardown(plan.gracefulStopUs / 1000);
    runtime.close();
  }

  private grpcChannelFor(target: URL): GrpcChannel | undefined {
    if (target.protocol !== 'grpc:' && target.protocol !== 'grpcs:') return undefined;
    this.grpc ??= new GrpcChannel({
      address: target.host,
      secure: target.protocol === 'grpcs:',
      insecureSkipTLSVerify: this.options.loadTest.spec.target.insecureSkipTLSVerify ?? false,
      ...(this.tls ? { tls: this.tls } : {}),
      ...(this.guard ? { resolveAddress: (host: string) => (this.guard as ConnectGuard).resolve(host) } : {}),
    });
    return this.grpc;
  }

  /** Sleeps, but wakes early on stop(). */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.stopWaiters;
      const cancel = setLongTimeout(done, ms);
      function done() {
        cancel();
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}
