/**
 * Bottleneck findings: what the measured data says about the target and the run, each with the numbers
 * behind it. Pure: a summary in, findings out, one small function per finding. A function returns nothing
 * when its data is healthy or absent, so a clean run has no findings at all.
 */
import type { ErrorClass } from '../metrics/error-class.js';
import { coresText, loadText, ms, pct } from './finding-text.js';
import { capacityLimitFinding } from './findings-capacity.js';
import { pgPoolWaitFindings, wsConnectFindings } from './findings-protocols.js';
import type { Finding, LevelSummary } from './model.js';
import type { IntervalSummary, Summary } from './summary-model.js';

/** Throughput gained less than this share of the added load: the target is not keeping up. */
export const PLATEAU_GAIN_SHARE = 0.25;
/** ...while p95 rose at least this many times over the lightest level: the extra load is queueing. */
export const LATENCY_CLIMB_FACTOR = 1.5;
/** Load (VUs) must rise by this much between the early and late windows to judge a plateau from the series. */
const MIN_SERIES_LOAD_GROWTH = 0.5;
/** Error rates at or above these make the error mix critical or a warning; below, it is info. */
export const ERROR_RATE_CRITICAL = 0.05;
export const ERROR_RATE_WARNING = 0.01;
/** A step is "slow" when its p95 is this many times the median step p95. */
export const SLOW_STEP_FACTOR = 2;
const SLOW_STEPS_LISTED = 3;

const times = (n: number) => `${n.toFixed(1)}x`;

const SEVERITY_ORDER: Finding['severity'][] = ['critical', 'warning', 'info'];

/** Every finding the data supports, most severe first. */
export function findBottlenecks(s: Summary): Finding[] {
  return [
    generatorSaturatedFinding(s),
    saturationFinding(s),
    capacityLimitFinding(s),
    errorMixFinding(s),
    memoryLeakFinding(s),
    ...pgPoolWaitFindings(s),
    ...wsConnectFindings(s),
    slowStepsFinding(s),
  ]
    .filter((f): f is Finding => f !== undefined)
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** The generator ran out of CPU or event-loop time: every latency figure includes its own queueing. */
export function generatorSaturatedFinding(s: Summary): Finding | undefined {
  const g = s.generator;
  if (!g.saturated) return undefined;
  const more =
    g.coresFrom === 'cgroup quota'
      ? `or a CPU limit above the cgroup quota's ${coresText({ cores: g.cores })}`
      : `or more --workers on a machine with more than ${coresText({ cores: g.cores })}`;
  return {
    id: 'generator-saturated',
    severity: 'critical',
    title: 'The load generator was saturated; latency and throughput figures are suspect',
    evidence: [
      ...g.reasons,
      `${g.threads} load thread(s) in ${g.processes} process(es) on ${coresText(g)}; CPU mean ${g.meanCpuPercent}%, max ${g.maxCpuPercent}% of one core`,
    ],
    recommendation: `Rerun with the load spread over more generator capacity (more runners via spec.runners, ${more}) until the generator is no longer saturated; only then read the target's numbers.`,
  };
}

/** Throughput stopped following load while latency climbed: the target reached its capacity. */
export function saturationFinding(s: Summary): Finding | undefined {
  const levels = (s.scalability?.levels ?? []).filter((l) => l.phase === 'load' && l.requests > 0);
  if (levels.length >= 2) return saturationFromLevels(levels);
  return saturationFromSeries(s.timeseries);
}

function saturationFromLevels(levels: LevelSummary[]): Finding | undefined {
  const sorted = [...levels].sort((a, b) => a.load - b.load);
  const first = sorted[0] as LevelSummary;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as LevelSummary;
    const cur = sorted[i] as LevelSummary;
    // Latency climbing needs latency at both ends: a level with nothing answered cannot show it.
    if (prev.load <= 0 || prev.rps <= 0 || !first.p95Ms || cur.p95Ms === null) continue;
    const loadGain = cur.load / prev.load - 1;
    const rpsGain = cur.rps / prev.rps - 1;
    const climb = cur.p95Ms / first.p95Ms;
    if (loadGain > 0 && rpsGain < PLATEAU_GAIN_SHARE * loadGain && climb >= LATENCY_CLIMB_FACTOR) {
      return {
        id: 'saturation',
        severity: 'warning',
        title: `Throughput plateaued at about ${Math.round(prev.rps)} requests/s while latency climbed`,
        evidence: [
          `level ${prev.index} (${loadText(prev)}): ${prev.rps.toFixed(1)} requests/s, p95 ${ms(prev.p95Ms)}`,
          `level ${cur.index} (${loadText(cur)}): ${cur.rps.toFixed(1)} requests/s (${signed(rpsGain)} for ${signed(loadGain)} load), p95 ${ms(cur.p95Ms)}`,
          `p95 at level ${cur.index} is ${times(climb)} the lightest level's (${ms(first.p95Ms)} at ${loadText(first)})`,
          `rule: throughput grew by less than ${PLATEAU_GAIN_SHARE * 100}% of the added load while p95 reached ${LATENCY_CLIMB_FACTOR}x the lightest level's`,
        ],
        recommendation: `Plan capacity from about ${Math.round(prev.rps)} requests/s (level ${prev.index}, ${loadText(prev)}): load beyond it only queued. To raise it, find what the target waits on at ${loadText(cur)} (its CPU, pool or lock waits) — the other findings and the resource table point there when they have data.`,
      };
    }
  }
  return undefined;
}

/** Without levels: compare the first and last third of the run when VUs grew (a ramping scenario). */
function saturationFromSeries(series: IntervalSummary[]): Finding | undefined {
  const busy = series.filter((x) => x.requests > 0);
  if (busy.length < 6) return undefined;
  const third = Math.floor(busy.length / 3);
  const early = window(busy.slice(0, third));
  const late = window(busy.slice(busy.length - third));
  // A climb needs latency at both ends: a window whose seconds all failed unanswered cannot show one.
  if (early.vus <= 0 || early.rps <= 0 || !early.p95Ms || late.p95Ms === null) return undefined;
  const loadGain = late.vus / early.vus - 1;
  const rpsGain = late.rps / early.rps - 1;
  const climb = late.p95Ms / early.p95Ms;
  if (loadGain < MIN_SERIES_LOAD_GROWTH || rpsGain >= PLATEAU_GAIN_SHARE * loadGain) return undefined;
  if (climb < LATENCY_CLIMB_FACTOR) return undefined;
  return {
    id: 'saturation',
    severity: 'warning',
    title: `Throughput plateaued at about ${Math.round(late.rps)} requests/s while latency climbed`,
    evidence: [
      `seconds ${early.from}-${early.to}: ${early.vus.toFixed(0)} VUs on average, ${early.rps.toFixed(1)} requests/s, median per-second p95 ${ms(early.p95Ms)}`,
      `seconds ${late.from}-${late.to}: ${late.vus.toFixed(0)} VUs (${signed(loadGain)}), ${late.rps.toFixed(1)} requests/s (${signed(rpsGain)}), median per-second p95 ${ms(late.p95Ms)} (${times(climb)})`,
      `rule: first and last third of the busy seconds compared; throughput grew by less than ${PLATEAU_GAIN_SHARE * 100}% of the added VUs while p95 reached ${LATENCY_CLIMB_FACTOR}x`,
    ],
    recommendation: `Treat about ${Math.round(late.rps)} requests/s as this target's ceiling in this setup; more VUs only added queueing. A stepped scenario would locate the load level where it starts.`,
  };
}

function window(rows: IntervalSummary[]) {
  const mean = (f: (x: IntervalSummary) => number) => rows.reduce((n, x) => n + f(x), 0) / rows.length;
  // Seconds with no latency sample (every request refused) are left out of the median, not counted as 0 ms.
  const p95s = rows.flatMap((x) => (x.p95Ms === null ? [] : [x.p95Ms])).sort((a, b) => a - b);
  return {
    from: rows[0]?.second ?? 0,
    to: rows[rows.length - 1]?.second ?? 0,
    vus: mean((x) => x.vus),
    rps: mean((x) => x.rps),
    p95Ms: p95s[Math.floor(p95s.length / 2)] ?? null,
  };
}

const signed = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(0)}%`;

/** What each dominant error class points at; only the dominant class's line becomes the recommendation. */
const ERROR_CLASS_MEANING: Partial<Record<ErrorClass, string>> = {
  timeout:
    'Timeouts dominate: requests were accepted but not answered in time, so the target (or what it waits on) is too slow at this load rather than refusing it.',
  refused:
    'Refused connections dominate: nothing accepted the connection — the target was down or restarting, or its accept backlog or connection limit was full.',
  reset:
    'Reset connections dominate: the target or a proxy closed connections mid-request (a crash, an idle or request-count limit on keep-alive connections).',
  http_5xx:
    'Server errors (5xx) dominate: the target answered but failed; its own logs for the seconds when they started say why.',
  http_4xx:
    'Client errors (4xx) dominate: the requests themselves are rejected (auth, missing data, rate limiting with 429); fix the scenario or read them as rate limiting before reading latency.',
  http_invalid_status:
    'Invalid HTTP statuses dominate: the target (or a proxy) answered with a status outside 100..599, which is no HTTP status at all; look at what actually answers on that address.',
  check: 'Failed checks dominate: responses arrived but did not have the expected content.',
  body_too_large:
    'Bodies too large for their checks dominate: responses were longer than spec.target.maxBodyBytes, so a check or extraction saw only their beginning; raise maxBodyBytes or check something near the start.',
  ws_handshake: 'Failed WebSocket handshakes dominate: the server rejected or could not complete upgrades.',
  pg_connect: 'PostgreSQL connection failures dominate: the database did not give working connections.',
  dns: 'DNS failures dominate: the target name did not resolve from the generator.',
  tls: 'TLS failures dominate: handshakes with the target failed.',
};

/** The error mix: which classes failed, and what the dominant one means. */
export function errorMixFinding(s: Summary): Finding | undefined {
  if (s.totals.failures === 0) return undefined;
  const classes = Object.entries(s.errors.byClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]) as [ErrorClass, number][];
  const failed = classes.reduce((n, [, c]) => n + c, 0);
  const rate = s.totals.errorRate;
  const severity = rate >= ERROR_RATE_CRITICAL ? 'critical' : rate >= ERROR_RATE_WARNING ? 'warning' : 'info';
  const evidence = [
    `${s.totals.failures} of ${s.totals.requests} requests failed (${pct(rate)})`,
    ...classes.map(([c, n]) => `${c}: ${n} (${pct(failed ? n / failed : 0)} of failures)`),
  ];
  const start = s.timeseries.find((x) => x.failures > 0);
  if (start) evidence.push(`first failures in second ${start.second}`);
  const levels = s.scalability?.levels ?? [];
  const firstFailingLevel = levels.find((l) => l.errorRate >= ERROR_RATE_WARNING);
  if (firstFailingLevel)
    evidence.push(
      `errors first reached ${pct(ERROR_RATE_WARNING)} at level ${firstFailingLevel.index} (${loadText(firstFailingLevel)}): ${pct(firstFailingLevel.errorRate)}`,
    );
  const dominant = classes[0]?.[0];
  const dominantClass = dominant?.startsWith('pg_') && dominant !== 'pg_connect' ? undefined : dominant;
  const meaning = dominantClass ? ERROR_CLASS_MEANING[dominantClass] : undefined;
  const sqlMeaning =
    dominant && !dominantClass
      ? `SQL errors of SQLSTATE class ${dominant.slice(3).toUpperCase()} dominate: the database rejected the statements themselves; the error samples show which.`
      : undefined;
  const recommendation = meaning ?? sqlMeaning;
  return {
    id: 'error-mix',
    severity,
    title: `${pct(rate)} of requests failed, mostly ${dominant ?? 'unclassified'}`,
    evidence,
    ...(recommendation ? { recommendation } : {}),
  };
}

/** The target's memory grew faster than the configured rate over the run. */
export function memoryLeakFinding(s: Summary): Finding | undefined {
  const t = s.targetResources;
  if (!t?.leakSuspected || t.memoryGrowthMbPerHour === null) return undefined;
  const memory = t.series.filter((x) => x.memoryMb !== null);
  const first = memory[0];
  const last = memory[memory.length - 1];
  return {
    id: 'memory-growth',
    severity: 'warning',
    title: `The target's memory grew ${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour, a possible leak`,
    evidence: [
      `least-squares slope of ${memory.length} memory samples: ${t.memoryGrowthMbPerHour.toFixed(1)} MB/hour (limit ${t.leakThresholdMbPerHour} MB/hour)`,
      ...(first && last
        ? [
            `${first.memoryMb?.toFixed(1)} MB at second ${first.second}, ${last.memoryMb?.toFixed(1)} MB at second ${last.second}`,
          ]
        : []),
      `query: ${t.source.memoryQuery}`,
    ],
    recommendation:
      'Run longer at a constant load and watch whether memory levels off (a warming cache) or keeps growing (a leak); take heap snapshots of the target at two points to see what grows.',
  };
}

/** The steps that stand out: p95 well above the median step's, listed with their share of request time. */
export function slowStepsFinding(s: Summary): Finding | undefined {
  const steps = s.steps.filter((st) => st.latency.count > 0);
  if (steps.length < 2) return undefined;
  const sortedP95 = steps.map((st) => st.latency.p95Ms).sort((a, b) => a - b);
  const median = sortedP95[Math.floor((sortedP95.length - 1) / 2)] as number;
  if (median <= 0) return undefined;
  const totalTimeMs = steps.reduce((n, st) => n + st.latency.meanMs * st.latency.count, 0);
  const slow = steps
    .filter((st) => st.latency.p95Ms >= SLOW_STEP_FACTOR * median)
    .sort((a, b) => b.latency.p95Ms - a.latency.p95Ms)
    .slice(0, SLOW_STEPS_LISTED);
  if (!slow.length) return undefined;
  const share = (st: (typeof steps)[number]) =>
    totalTimeMs ? (st.latency.meanMs * st.latency.count) / totalTimeMs : 0;
  const top = slow[0] as (typeof steps)[number];
  return {
    id: 'slow-steps',
    severity: share(top) >= 0.5 ? 'warning' : 'info',
    title: `Slowest step: ${top.scenario}/${top.step} (p95 ${ms(top.latency.p95Ms)}, ${times(top.latency.p95Ms / median)} the median step)`,
    evidence: [
      `median step p95: ${ms(median)} over ${steps.length} steps`,
      ...slow.map(
        (st) =>
          `${st.scenario}/${st.step}: p95 ${ms(st.latency.p95Ms)}, p99 ${ms(st.latency.p99Ms)}, ${st.latency.count} requests, ${pct(share(st))} of all request time`,
      ),
    ],
    recommendation: `Start optimising at ${top.scenario}/${top.step}: it takes ${pct(share(top))} of all request time.`,
  };
}
