/**
 * A runner simulator: one process serving many runner control APIs, so the real controller can drive
 * hundreds of "runners" on one machine. Each simulated runner is the real control API (`startControlApi`,
 * the real bearer-token check, the real start window) with handlers that answer from the real metrics
 * modules: a ShardRecorder fed synthetic samples per simulated second (several steps, HDR histograms,
 * per-second intervals) and the runner's own Prometheus registry. Nothing of the wire format is
 * re-implemented; only the load itself is simulated.
 *
 * Cost control: runners of one LoadTest share a few sample streams (index mod `streams`), so the simulator
 * records and encodes each simulated second once per stream, not once per runner; every runner's answer
 * still carries its own shard, process key, start instant and done flag.
 */
import type { Server } from 'node:http';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';
import { sliceIntervals } from '../../src/metrics/snapshot-delta.js';
import { startControlApi } from '../../src/runner/control-api.js';
import { implausibleStart } from '../../src/runner/control-auth.js';
import { createRunnerMetrics } from '../../src/runner/metrics.js';
import type { RunnerState } from '../../src/runner/protocol.js';

export interface SimProfile {
  /** How long each simulated run lasts after its start instant (the manifest's duration). */
  durationMs: number;
  /** Step names of scenario `scenario` (all http). */
  steps: string[];
  scenario: string;
  /** Samples recorded per step per simulated second: what shapes the histograms, not the request rate. */
  samplesPerStepSecond: number;
  /** Requests each sample stands for: counters grow at samples x this (a runner drives ~10k req/s). */
  requestsPerSample: number;
  /** Distinct sample streams per LoadTest (runners share them by index mod streams). */
  streams: number;
}

export const DEFAULT_PROFILE: SimProfile = {
  durationMs: 60_000,
  steps: ['login', 'browse', 'checkout'],
  scenario: 's',
  samplesPerStepSecond: 200,
  requestsPerSample: 1,
  streams: 4,
};

/** A simulated recorder whose clock is the simulated run time, not this process's uptime. */
class SimRecorder extends ShardRecorder {
  simMs = 0;
  override elapsedMs(): number {
    return this.simMs;
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so two runs of the bench see the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One sample stream: the recorder advanced second by second, and its snapshot cached per second. */
export class SimStream {
  private readonly recorder: SimRecorder;
  private readonly next: () => number;
  private second = 0;
  private cached: { second: number; snapshot: ShardSnapshot } | undefined;

  constructor(
    private readonly profile: SimProfile,
    seed: number,
  ) {
    this.recorder = new SimRecorder(0, 1, { cores: 1, threads: 1 });
    this.next = random(seed);
  }

  /** Records every simulated second up to `toSecond` (latency log-normal around 20 ms, 0.5% 5xx). */
  advance(toSecond: number): void {
    const p = this.profile;
    const scenario = this.recorder.scenario(p.scenario, 'constant-vus', 'closed');
    while (this.second < toSecond) {
      this.second++;
      for (const name of p.steps) {
        const step = this.recorder.step(p.scenario, name, 'closed');
        for (let i = 0; i < p.samplesPerStepSecond; i++) {
          const gauss = Math.sqrt(-2 * Math.log(this.next() || 1e-9)) * Math.cos(2 * Math.PI * this.next());
          const latencyUs = Math.round(20_000 * Math.exp(0.5 * gauss));
          const failed = this.next() < 0.005;
          for (let r = 0; r < p.requestsPerSample; r++) {
            step.response(latencyUs, latencyUs, failed ? 503 : 200, 512, 128);
            if (failed) step.failure('http_5xx', 'HTTP 503 Service Unavailable');
          }
        }
      }
      for (let i = 0; i < p.samplesPerStepSecond; i++) scenario.iterationDone(60_000, false);
      this.recorder.simMs = this.second * 1000;
      this.recorder.closeInterval({ loopDelayP99Ms: 12, loopDelayMaxMs: 30, cpuPercent: 85, rssMb: 120 });
    }
  }

  /** The stream's cumulative snapshot at simulated second `second` (at most the run's length). */
  snapshotAt(second: number): ShardSnapshot {
    const s = Math.min(second, Math.ceil(this.profile.durationMs / 1000));
    // Runners of one LoadTest share one start instant; one a moment behind gets the newest second.
    if (this.cached && this.cached.second >= s) return this.cached.snapshot;
    this.advance(s);
    const snapshot = this.recorder.snapshot();
    this.cached = { second: s, snapshot };
    return snapshot;
  }
}

export interface SimRunnerOptions {
  ip: string;
  port: number;
  /** The runner's control token (the LoadTest's Secret, as the kubelet would put it in the env). */
  token: string;
  index: number;
  total: number;
  /** Runners with the same group (one LoadTest) share sample streams. */
  group: string;
}

interface SimRunner extends SimRunnerOptions {
  server: Server;
  startAt: number | undefined;
  /** Set by /stop: the answer is frozen at that moment. */
  stoppedAnswer: RunnerState | undefined;
  released: boolean;
}

export interface RunnerSimEvents {
  /** /release arrived: a real runner exits 0 now. */
  released?(ip: string): void;
}

/** The controller leads its start by seconds; the real runner accepts a minute ahead and its deadline behind. */
const START_WINDOW = { aheadMs: 60_000, behindMs: 10 * 60_000 };

export class RunnerSim {
  private readonly runners = new Map<string, SimRunner>();
  private readonly streams = new Map<string, SimStream>();
  /** What a runner that has not started answers: no steps, no intervals. */
  private readonly empty = new ShardRecorder(0, 1, { cores: 1, threads: 1 }).snapshot();
  /** Bytes of /snapshot answers served: the bench's "bytes pulled". */
  snapshotBytes = 0;
  snapshotCalls = 0;

  constructor(
    readonly profile: SimProfile = DEFAULT_PROFILE,
    private readonly events: RunnerSimEvents = {},
    private readonly clock: () => number = Date.now,
  ) {}

  size(): number {
    return this.runners.size;
  }

  private stream(group: string, index: number): SimStream {
    const key = `${group}\u0000${index % this.profile.streams}`;
    let s = this.streams.get(key);
    if (!s) {
      s = new SimStream(this.profile, this.streams.size + 1);
      this.streams.set(key, s);
    }
    return s;
  }

  /** What GET /snapshot answers for a runner now, with intervals from `from` on when asked (as a runner). */
  answer(r: SimRunner, from?: number): RunnerState {
    const whole = this.wholeAnswer(r);
    const { snapshot, intervalsFrom } = sliceIntervals(whole.snapshot, from);
    return { ...whole, snapshot, ...(intervalsFrom !== undefined ? { intervalsFrom } : {}) };
  }

  private wholeAnswer(r: SimRunner): RunnerState {
    if (r.stoppedAnswer) return r.stoppedAnswer;
    const elapsedMs = r.startAt === undefined ? 0 : Math.max(0, this.clock() - r.startAt);
    const done = elapsedMs >= this.profile.durationMs;
    const stream =
      r.startAt === undefined
        ? this.empty
        : this.stream(r.group, r.index).snapshotAt(Math.floor(elapsedMs / 1000));
    const snapshot: ShardSnapshot = {
      ...stream,
      shard: { index: r.index, total: r.total },
      process: { key: `sim:${r.ip}`, cores: 1, threads: 1 },
      startedAtMs: r.startAt ?? this.clock(),
      elapsedMs: Math.min(Math.round(elapsedMs), this.profile.durationMs),
      done,
    };
    if (r.startAt === undefined) return { state: 'waiting', snapshot };
    return { state: done ? 'done' : 'running', startAt: r.startAt, snapshot };
  }

  /** Starts one simulated runner's control API on ip:port. */
  async add(o: SimRunnerOptions): Promise<void> {
    if (this.runners.has(o.ip)) return;
    const runner = { ...o, startAt: undefined, stoppedAnswer: undefined, released: false } as SimRunner;
    const metrics = createRunnerMetrics(o.group, () => this.answer(runner).snapshot);
    runner.server = await startControlApi(
      {
        ready: () => true,
        start: (at) => {
          if (runner.startAt !== undefined)
            return { accepted: runner.startAt === at, message: 'already started' };
          const implausible = implausibleStart(at, this.clock(), START_WINDOW);
          if (implausible) return { accepted: false, implausible: true, message: implausible };
          runner.startAt = at;
          return { accepted: true, message: `starting at ${new Date(at).toISOString()}` };
        },
        stop: () => {
          if (runner.stoppedAnswer) return;
          const now = this.answer(runner);
          runner.stoppedAnswer = { ...now, state: 'done', snapshot: { ...now.snapshot, done: true } };
        },
        stopStepping: () => ({ accepted: false, message: 'the simulator has no breakpoint scenarios' }),
        release: () => {
          runner.released = true;
          setImmediate(() => this.events.released?.(o.ip));
        },
        snapshot: (from) => {
          const state = this.answer(runner, from);
          this.snapshotCalls++;
          // The body the control API writes is this JSON; counting it here costs one extra stringify.
          this.snapshotBytes += Buffer.byteLength(JSON.stringify(state));
          return state;
        },
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }),
      },
      o.ip,
      o.port,
      o.token,
    );
    this.runners.set(o.ip, runner);
  }

  /** Stops serving one runner (its pod was deleted or it exited). */
  async remove(ip: string): Promise<void> {
    const r = this.runners.get(ip);
    if (!r) return;
    this.runners.delete(ip);
    r.server.closeAllConnections();
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
  }

  /** Forgets the streams of a finished LoadTest (its group). */
  forgetGroup(group: string): void {
    for (const key of this.streams.keys()) if (key.startsWith(`${group}\u0000`)) this.streams.delete(key);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.keys()].map((ip) => this.remove(ip)));
  }
}
