/** The WebSocket and PostgreSQL parts of the reports: markdown sections and console lines. */
import type { ErrorClass } from '../metrics/error-class.js';
import { fmtCount, fmtMs, fmtPercent, fmtRate, fmtStat, markdownTable } from './format.js';
import type { StepSummary, Summary } from './summary.js';

type WsStep = StepSummary & { ws: NonNullable<StepSummary['ws']> };
type PgStep = StepSummary & { pg: NonNullable<StepSummary['pg']> };

const wsSteps = (s: Summary) => s.steps.filter((st): st is WsStep => st.ws !== undefined);
const pgSteps = (s: Summary) => s.steps.filter((st): st is PgStep => st.pg !== undefined);
const where = (st: StepSummary) => `${st.scenario}/${st.step}`;
const p50p95p99 = (l: { p50Ms: number; p95Ms: number; p99Ms: number }) =>
  `${fmtMs(l.p50Ms)} / ${fmtMs(l.p95Ms)} / ${fmtMs(l.p99Ms)}`;

/**
 * Mean, p50, p90, p95, p99 and max of a step's latency for the step tables. A WebSocket step that awaited
 * no reply (a feed, a connection storm) has no latency: it shows dashes rather than zeros.
 */
export function latencyCells(st: StepSummary): string[] {
  const l = st.latency;
  if (l.count === 0 && st.protocol !== 'http') return ['-', '-', '-', '-', '-', '-'];
  return [l.meanMs, l.p50Ms, l.p90Ms, l.p95Ms, l.p99Ms, l.maxMs].map((ms) => fmtStat(l, ms));
}

function errorsText(errors: Partial<Record<ErrorClass, number>>): string {
  const list = Object.entries(errors).filter(([, n]) => n);
  return list.length ? list.map(([c, n]) => `${c} ${fmtCount(n ?? 0)}`).join(', ') : '0';
}

export function renderWsMarkdown(s: Summary): string[] {
  const steps = wsSteps(s);
  if (!steps.length) return [];
  const out = ['## WebSocket', ''];
  out.push(
    'Requests above count connection attempts plus replies awaited; latency is the reply round trip, from sending a message to the reply that matched it.',
  );
  out.push('');
  out.push(
    markdownTable(
      [
        'Step',
        'Sessions',
        'Connect p50 / p95 / p99',
        'Round trip p50 / p95 / p99',
        'Sent',
        'Received',
        'Received/s',
      ],
      steps.map((st) => [
        where(st),
        fmtCount(st.ws.sessions),
        p50p95p99(st.ws.connectTime),
        st.latency.count ? p50p95p99(st.latency) : '-',
        fmtCount(st.ws.messagesSent),
        fmtCount(st.ws.messagesReceived),
        fmtRate(st.ws.receivedPerSecond),
      ]),
    ),
  );
  out.push('');
  out.push(
    markdownTable(
      ['Step', 'Session mean', 'Session max', 'Delivery p50 / p95 / p99', 'Errors'],
      steps.map((st) => [
        where(st),
        fmtMs(st.ws.sessionDuration.meanMs),
        fmtMs(st.ws.sessionDuration.maxMs),
        st.ws.deliveryLatency ? p50p95p99(st.ws.deliveryLatency) : '-',
        errorsText(st.errors),
      ]),
    ),
  );
  out.push('');
  return out;
}

export function renderPgMarkdown(s: Summary): string[] {
  const steps = pgSteps(s);
  if (!steps.length) return [];
  const out = ['## PostgreSQL', ''];
  out.push(
    'Pool wait is the time to get a connection from the pool (opening one when the pool may grow); query time runs from sending the query (or BEGIN) to its last row (or COMMIT). Latency in the step table is their sum. Errors are classed by SQLSTATE class (pg_42: syntax error or undefined object, pg_23: constraint violation); pg_connect means no working connection.',
  );
  out.push('');
  out.push(
    markdownTable(
      [
        'Query',
        'Count',
        'Rows',
        'Pool wait p50 / p95 / p99',
        'Pool wait max',
        'Query p50 / p95 / p99',
        'Query max',
        'Errors',
      ],
      steps.map((st) => [
        where(st),
        fmtCount(st.requests),
        fmtCount(st.pg.rows),
        p50p95p99(st.pg.poolWait),
        fmtMs(st.pg.poolWait.maxMs),
        p50p95p99(st.pg.queryTime),
        fmtMs(st.pg.queryTime.maxMs),
        st.failures ? `${errorsText(st.errors)} (${fmtPercent(st.errorRate)})` : '0',
      ]),
    ),
  );
  out.push('');
  return out;
}

export function measuredNotes(s: Summary): string[] {
  const notes: string[] = [];
  if (wsSteps(s).length)
    notes.push(
      '- WebSocket: a failed handshake is ws_handshake (refused and timeout keep their classes), a close the server started or a close handshake that did not finish is ws_close, a reply that did not match is ws_mismatch, no matching reply within replyTimeout is timeout.',
    );
  if (pgSteps(s).length)
    notes.push(
      '- PostgreSQL: statements with parameters are prepared once per connection; a failed statement is counted by SQLSTATE class and the flow goes on; a lost connection ends the iteration.',
    );
  return notes;
}

export function consoleProtocolLines(s: Summary): string[] {
  const out: string[] = [];
  for (const st of wsSteps(s)) {
    out.push(
      `ws ${where(st)}: ${fmtCount(st.ws.sessions)} sessions, connect p95 ${fmtMs(st.ws.connectTime.p95Ms)}, ` +
        `sent ${fmtCount(st.ws.messagesSent)}, received ${fmtCount(st.ws.messagesReceived)} (${fmtRate(st.ws.receivedPerSecond)}/s)` +
        (st.latency.count ? `, round trip p95 ${fmtMs(st.latency.p95Ms)}` : '') +
        (st.ws.deliveryLatency ? `, delivery p95 ${fmtMs(st.ws.deliveryLatency.p95Ms)}` : ''),
    );
  }
  for (const st of pgSteps(s)) {
    out.push(
      `pg ${where(st)}: ${fmtCount(st.requests)} queries, ${fmtCount(st.pg.rows)} rows, ` +
        `pool wait p95 ${fmtMs(st.pg.poolWait.p95Ms)}, query p95 ${fmtMs(st.pg.queryTime.p95Ms)}` +
        (st.failures ? `, errors ${errorsText(st.errors)}` : ''),
    );
  }
  return out;
}
