/**
 * Merges shard snapshots into one view. Counters add, histograms add (exact), intervals align by second.
 * The same function serves the local coordinator and the cluster controller.
 */
import type { CoresFrom } from './cpu-quota.js';
import { type MergedCustomMetric, mergeCustomMetrics } from './custom-metrics.js';
import { addError, type ErrorClass, emptyErrorCounts } from './error-class.js';
import { addEncoded, createHistogram, createIntervalHistogram, type Histogram } from './histogram.js';
import { type MergedPg, type MergedWs, mergePg, mergeWs } from './protocol-metrics.js';
import { SECOND_MS } from './seconds.js';
import type { ErrorSample, LoadModel, ShardSnapshot, StepProtocol, SteppingStop } from './snapshot.js';

export interface MergedStep {
  scenario: string;
  step: string;
  protocol: StepProtocol;
  requests: number;
  failures: number;
  bytesIn: number;
  bytesOut: number;
  errors: Record<ErrorClass, number>;
  statuses: Record<string, number>;
  checks: { passes: number; fails: number };
  duration: Histogram;
  service: Histogram | undefined;
  ws: MergedWs | undefined;
  pg: MergedPg | undefined;
  /** gRPC steps only: response messages received. */
  grpc?: { messages: number };
  /** Custom metrics (`metric:` on the step). */
  custom?: MergedCustomMetric[];
}

export interface MergedScenario {
  name: string;
  executor: string;
  model: LoadModel;
  iterations: number;
  failedIterations: number;
  droppedIterations: number;
  interruptedIterations: number;
  activeVUs: number;
  peakVUs: number;
  iteration: Histogram;
  scheduleLag: Histogram | undefined;
  /** The earliest stop any shard was told (they are all told the same one). */
  stepping?: SteppingStop;
}

export interface MergedInterval {
  second: number;
  /** Only when every shard's interval of this second was partial: the longest, ms (see IntervalSnapshot). */
  lengthMs?: number;
  requests: number;
  failures: number;
  bytesIn: number;
  iterations: number;
  dropped: number;
  checksPass: number;
  checksFail: number;
  vus: number;
  duration: Histogram;
  /** Worst shard's event-loop delay in this second. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Worst shard's open-model schedule lag p99 in this second; absent when no iteration was due. */
  scheduleLagP99Ms?: number;
  /** Load threads' CPU, percent of one core: summed over threads, at most each process's cores. */
  cpuPercent: number;
  /** Summed over distinct generator processes; absent when no shard reported it. */
  rssMb?: number;
}

export interface ShardState {
  index: number;
  total: number;
  done: boolean;
  elapsedMs: number;
  processKey: string;
  /** Requests this shard sent: merged totals must equal the sum of these. */
  requests: number;
}

export interface MergedRun {
  startedAtMs: number;
  elapsedMs: number;
  shards: ShardState[];
  /**
   * Cores and threads the generator processes had, summed over distinct processes; coresFrom is 'cgroup
   * quota' when any process's cores were its cgroup's CPU quota.
   */
  generator: { processes: number; cores: number; threads: number; coresFrom: CoresFrom };
  steps: MergedStep[];
  scenarios: MergedScenario[];
  intervals: MergedInterval[];
  errorSamples: ErrorSample[];
}

export interface MergeOptions {
  /**
   * Which per-second intervals to merge: all (reports), the last few (live progress), or none (live status).
   * Intervals are most of the decoding work, and a live view does not need the whole series.
   */
  intervals?: 'all' | 'none' | { lastSeconds: number };
  /** The run's start when there is no snapshot yet (nothing ran); the caller's clock keeps merging pure. */
  nowMs?: number;
}

type IntervalAcc = MergedInterval & {
  cpuByProcess: Map<string, number>;
  rssByProcess: Map<string, number>;
  /** The longest span of any shard's interval of this second: a shard still loading through it spans it all. */
  spanMs: number;
};

function addStep(steps: Map<string, MergedStep>, s: ShardSnapshot['steps'][number]): void {
  const key = `${s.scenario}\u0000${s.step}`;
  let m = steps.get(key);
  if (!m) {
    m = {
      scenario: s.scenario,
      step: s.step,
      protocol: s.protocol,
      requests: 0,
      failures: 0,
      bytesIn: 0,
      bytesOut: 0,
      errors: emptyErrorCounts(),
      statuses: {},
      checks: { passes: 0, fails: 0 },
      duration: createHistogram(),
      service: undefined,
      ws: undefined,
      pg: undefined,
    };
    steps.set(key, m);
  }
  m.requests += s.requests;
  m.failures += s.failures;
  m.bytesIn += s.bytesIn;
  m.bytesOut += s.bytesOut;
  for (const [c, n] of Object.entries(s.errors)) addError(m.errors, c as ErrorClass, n ?? 0);
  for (const [code, n] of Object.entries(s.statuses)) m.statuses[code] = (m.statuses[code] ?? 0) + n;
  m.checks.passes += s.checks.passes;
  m.checks.fails += s.checks.fails;
  addEncoded(m.duration, s.durationHdr);
  if (s.serviceHdr) {
    m.service ??= createHistogram();
    addEncoded(m.service, s.serviceHdr);
  }
  if (s.ws) m.ws = mergeWs(m.ws, s.ws);
  if (s.pg) m.pg = mergePg(m.pg, s.pg);
  if (s.grpc) m.grpc = { messages: (m.grpc?.messages ?? 0) + s.grpc.messages };
  if (s.custom) m.custom = mergeCustomMetrics(m.custom, s.custom);
}

function addScenario(scenarios: Map<string, MergedScenario>, s: ShardSnapshot['scenarios'][number]): void {
  let m = scenarios.get(s.name);
  if (!m) {
    m = {
      name: s.name,
      executor: s.executor,
      model: s.model,
      iterations: 0,
      failedIterations: 0,
      droppedIterations: 0,
      interruptedIterations: 0,
      activeVUs: 0,
      peakVUs: 0,
      iteration: createHistogram(),
      scheduleLag: undefined,
    };
    scenarios.set(s.name, m);
  }
  m.iterations += s.iterations;
  m.failedIterations += s.failedIterations;
  m.droppedIterations += s.droppedIterations;
  m.interruptedIterations += s.interruptedIterations;
  m.activeVUs += s.activeVUs;
  // Shards peak at different moments; the sum is an upper bound, which is what capacity planning needs.
  m.peakVUs += s.peakVUs;
  addEncoded(m.iteration, s.iterationHdr);
  if (s.scheduleLagHdr) {
    m.scheduleLag ??= createHistogram();
    addEncoded(m.scheduleLag, s.scheduleLagHdr);
  }
  if (s.stepping && (!m.stepping || s.stepping.stoppedAtMs < m.stepping.stoppedAtMs))
    m.stepping = { ...s.stepping };
}

function addInterval(
  intervals: Map<number, IntervalAcc>,
  snap: ShardSnapshot,
  iv: ShardSnapshot['intervals'][number],
): void {
  let m = intervals.get(iv.second);
  if (!m) {
    m = {
      second: iv.second,
      requests: 0,
      failures: 0,
      bytesIn: 0,
      iterations: 0,
      dropped: 0,
      checksPass: 0,
      checksFail: 0,
      vus: 0,
      duration: createIntervalHistogram(),
      loopDelayP99Ms: 0,
      loopDelayMaxMs: 0,
      cpuPercent: 0,
      cpuByProcess: new Map(),
      rssByProcess: new Map(),
      spanMs: 0,
    };
    intervals.set(iv.second, m);
  }
  m.spanMs = Math.max(m.spanMs, iv.lengthMs ?? SECOND_MS);
  m.requests += iv.requests;
  m.failures += iv.failures;
  m.bytesIn += iv.bytesIn;
  m.iterations += iv.iterations;
  m.dropped += iv.dropped;
  m.checksPass += iv.checksPass;
  m.checksFail += iv.checksFail;
  m.vus += iv.vus;
  addEncoded(m.duration, iv.durationHdr);
  m.loopDelayP99Ms = Math.max(m.loopDelayP99Ms, iv.loopDelayP99Ms);
  m.loopDelayMaxMs = Math.max(m.loopDelayMaxMs, iv.loopDelayMaxMs);
  if (iv.scheduleLagP99Ms !== undefined)
    m.scheduleLagP99Ms = Math.max(m.scheduleLagP99Ms ?? 0, iv.scheduleLagP99Ms);
  // Each shard reports its own thread's CPU: a process's threads add up, to at most the cores it has.
  const cpu = (m.cpuByProcess.get(snap.process.key) ?? 0) + iv.cpuPercent;
  m.cpuByProcess.set(snap.process.key, Math.min(Math.max(1, snap.process.cores) * 100, cpu));
  // Shards in one process report the same RSS: count each process once.
  if (iv.rssMb !== undefined) m.rssByProcess.set(snap.process.key, iv.rssMb);
}

function addErrorSample(errorSamples: Map<string, ErrorSample>, e: ErrorSample): void {
  const key = `${e.class}\u0000${e.scenario}\u0000${e.step}\u0000${e.message}`;
  const existing = errorSamples.get(key);
  if (existing) existing.count += e.count;
  else errorSamples.set(key, { ...e });
}

/** Intervals in time order, CPU summed over processes, each process's memory counted once. */
function finishIntervals(intervals: Map<number, IntervalAcc>): MergedInterval[] {
  return [...intervals.values()]
    .sort((a, b) => a.second - b.second)
    .map(({ cpuByProcess, rssByProcess, spanMs, ...rest }) => ({
      ...rest,
      ...(spanMs < SECOND_MS ? { lengthMs: spanMs } : {}),
      cpuPercent: [...cpuByProcess.values()].reduce((a, b) => a + b, 0),
      ...(rssByProcess.size
        ? { rssMb: Math.round([...rssByProcess.values()].reduce((a, b) => a + b, 0) * 10) / 10 }
        : {}),
    }));
}

export function mergeSnapshots(snapshots: readonly ShardSnapshot[], options: MergeOptions = {}): MergedRun {
  const which = options.intervals ?? 'all';
  const newest = Math.max(0, ...snapshots.flatMap((s) => s.intervals.at(-1)?.second ?? 0));
  const keepInterval = (second: number) =>
    which === 'all' ? true : which === 'none' ? false : second > newest - which.lastSeconds;
  const steps = new Map<string, MergedStep>();
  const scenarios = new Map<string, MergedScenario>();
  const intervals = new Map<number, IntervalAcc>();
  const errorSamples = new Map<string, ErrorSample>();
  const processes = new Map<string, ShardSnapshot['process']>();

  for (const snap of snapshots) {
    processes.set(snap.process.key, snap.process);
    for (const s of snap.steps) addStep(steps, s);
    for (const s of snap.scenarios) addScenario(scenarios, s);
    for (const iv of snap.intervals) if (keepInterval(iv.second)) addInterval(intervals, snap, iv);
    for (const e of snap.errorSamples) addErrorSample(errorSamples, e);
  }

  const mergedIntervals = finishIntervals(intervals);
  let cores = 0;
  let threads = 0;
  let coresFrom: CoresFrom = 'cpus';
  for (const p of processes.values()) {
    cores += p.cores;
    threads += p.threads;
    if (p.coresFrom === 'cgroup quota') coresFrom = 'cgroup quota';
  }
  return {
    startedAtMs: snapshots.length ? Math.min(...snapshots.map((s) => s.startedAtMs)) : (options.nowMs ?? 0),
    elapsedMs: Math.max(0, ...snapshots.map((s) => s.elapsedMs)),
    shards: snapshots.map((s) => ({
      index: s.shard.index,
      total: s.shard.total,
      done: s.done,
      elapsedMs: s.elapsedMs,
      processKey: s.process.key,
      requests: s.steps.reduce((n, st) => n + st.requests, 0),
    })),
    // Quotas are fractional: 0.1 + 0.2 should read 0.3.
    generator: { processes: processes.size, cores: Math.round(cores * 1000) / 1000, threads, coresFrom },
    steps: [...steps.values()],
    scenarios: [...scenarios.values()],
    intervals: mergedIntervals,
    errorSamples: [...errorSamples.values()].sort((a, b) => b.count - a.count),
  };
}
