/** Findings from the PostgreSQL and WebSocket figures of a summary. Pure, like findings.ts. */
import type { ErrorClass } from '../metrics/error-class.js';
import { ms, pct } from './finding-text.js';
import type { Finding } from './model.js';
import type { StepSummary, Summary } from './summary-model.js';

/** Pool waits shorter than this are noise next to any query; no finding below it. */
export const POOL_WAIT_FLOOR_MS = 1;
/** Share of WebSocket connection attempts that failed before a finding is raised, and when it is critical. */
export const WS_CONNECT_FAILURE_WARNING = 0.01;
export const WS_CONNECT_FAILURE_CRITICAL = 0.05;
/** Classes that can only come from opening the connection (timeouts may also be reply timeouts). */
const CONNECT_CLASSES: ErrorClass[] = ['ws_handshake', 'refused', 'reset', 'dns', 'tls'];

const where = (st: StepSummary) => `${st.scenario}/${st.step}`;

/** A database step whose latency is mostly waiting for a pooled connection, not running the query. */
export function pgPoolWaitFindings(s: Summary): Finding[] {
  const out: Finding[] = [];
  for (const st of s.steps) {
    const pg = st.pg;
    if (!pg || pg.poolWait.count === 0) continue;
    if (pg.poolWait.p95Ms < POOL_WAIT_FLOOR_MS || pg.poolWait.p95Ms <= pg.queryTime.p95Ms) continue;
    const waitShare = pg.poolWait.meanMs / Math.max(1e-9, pg.poolWait.meanMs + pg.queryTime.meanMs);
    const peakVUs = s.scenarios.find((sc) => sc.name === st.scenario)?.peakVUs;
    out.push({
      id: 'pg-pool-wait',
      severity: waitShare >= 0.5 ? 'warning' : 'info',
      title: `${where(st)} waits longer for a pooled connection than its query runs`,
      evidence: [
        `pool wait p50 / p95 / p99: ${ms(pg.poolWait.p50Ms)} / ${ms(pg.poolWait.p95Ms)} / ${ms(pg.poolWait.p99Ms)}`,
        `query time p50 / p95 / p99: ${ms(pg.queryTime.p50Ms)} / ${ms(pg.queryTime.p95Ms)} / ${ms(pg.queryTime.p99Ms)}`,
        `pool wait is ${pct(waitShare)} of the step's mean latency`,
        ...(peakVUs ? [`scenario ${st.scenario} peaked at ${peakVUs} VUs`] : []),
      ],
      recommendation: `The database answers in ${ms(pg.queryTime.p95Ms)} (p95) but connections are the queue: raise spec.postgres.pool (it is split across shards) toward the concurrency${peakVUs ? ` of ${peakVUs} VUs` : ''} if the database can take that many connections, or read this run as a pool-size test rather than a database test.`,
    });
  }
  return out;
}

/** WebSocket connection attempts that failed, typically under a connection storm. */
export function wsConnectFindings(s: Summary): Finding[] {
  const out: Finding[] = [];
  for (const st of s.steps) {
    const ws = st.ws;
    if (!ws) continue;
    const failedByClass = CONNECT_CLASSES.map((c) => [c, st.errors[c] ?? 0] as const).filter(
      ([, n]) => n > 0,
    );
    const failed = failedByClass.reduce((n, [, c]) => n + c, 0);
    const attempts = ws.sessions + failed;
    if (!attempts || failed / attempts < WS_CONNECT_FAILURE_WARNING) continue;
    const share = failed / attempts;
    const dominant = [...failedByClass].sort((a, b) => b[1] - a[1])[0]?.[0];
    const samples = s.errors.samples
      .filter((e) => e.scenario === st.scenario && e.step === st.step && CONNECT_CLASSES.includes(e.class))
      .slice(0, 2)
      .map((e) => `sample (${e.count}x ${e.class}): ${e.message}`);
    const timeouts = st.errors.timeout ?? 0;
    out.push({
      id: 'ws-connect-failures',
      severity: share >= WS_CONNECT_FAILURE_CRITICAL ? 'critical' : 'warning',
      title: `${pct(share)} of WebSocket connection attempts at ${where(st)} failed`,
      evidence: [
        `${attempts} connection attempts, ${ws.sessions} opened, ${failed} failed: ${failedByClass.map(([c, n]) => `${c} ${n}`).join(', ')}`,
        ...(timeouts ? [`plus ${timeouts} timeout(s), connect or reply`] : []),
        `connect time p50 / p95 / p99 of the ones that opened: ${ms(ws.connectTime.p50Ms)} / ${ms(ws.connectTime.p95Ms)} / ${ms(ws.connectTime.p99Ms)}`,
        ...samples,
      ],
      recommendation:
        dominant === 'ws_handshake'
          ? `The server answered upgrades but refused ${failed} of them: it enforces a connection cap or sheds load during the storm; compare the cap with the ${ws.sessions} sessions it did accept.`
          : dominant === 'refused'
            ? `Connections were refused outright: the server's accept backlog or file-descriptor limit ran out while ${attempts} connections arrived; raise them or ramp connections up more slowly.`
            : `Connections failed with ${dominant}; the samples above say where.`,
    });
  }
  return out;
}
