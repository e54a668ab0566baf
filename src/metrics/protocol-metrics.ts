/**
 * The per-step figures only WebSocket and PostgreSQL steps have: their own histograms and counters, recorded
 * on the hot path as plain increments, snapshotted as compressed HDR and merged exactly like the others.
 */
import { addEncoded, createHistogram, encodeHistogram, type Histogram, recordUs } from './histogram.js';
import type { PgStepSnapshot, WsStepSnapshot } from './snapshot.js';

export class WsMetrics {
  sessions = 0;
  messagesSent = 0;
  messagesReceived = 0;
  readonly connect: Histogram = createHistogram();
  readonly session: Histogram = createHistogram();
  /** Created on first use: most WebSocket steps have no server timestamp to measure from. */
  delivery: Histogram | undefined;

  recordDelivery(us: number): void {
    this.delivery ??= createHistogram();
    recordUs(this.delivery, us);
  }

  snapshot(): WsStepSnapshot {
    return {
      sessions: this.sessions,
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      connectHdr: encodeHistogram(this.connect),
      sessionHdr: encodeHistogram(this.session),
      ...(this.delivery ? { deliveryHdr: encodeHistogram(this.delivery) } : {}),
    };
  }
}

export class PgMetrics {
  rows = 0;
  readonly poolWait: Histogram = createHistogram();
  readonly query: Histogram = createHistogram();

  snapshot(): PgStepSnapshot {
    return {
      rows: this.rows,
      poolWaitHdr: encodeHistogram(this.poolWait),
      queryHdr: encodeHistogram(this.query),
    };
  }
}

export interface MergedWs {
  sessions: number;
  messagesSent: number;
  messagesReceived: number;
  connect: Histogram;
  session: Histogram;
  delivery: Histogram | undefined;
}

export interface MergedPg {
  rows: number;
  poolWait: Histogram;
  query: Histogram;
}

/** Adds one shard's WebSocket figures into the merged ones (created on first use). Exact. */
export function mergeWs(into: MergedWs | undefined, s: WsStepSnapshot): MergedWs {
  const m = into ?? {
    sessions: 0,
    messagesSent: 0,
    messagesReceived: 0,
    connect: createHistogram(),
    session: createHistogram(),
    delivery: undefined,
  };
  m.sessions += s.sessions;
  m.messagesSent += s.messagesSent;
  m.messagesReceived += s.messagesReceived;
  addEncoded(m.connect, s.connectHdr);
  addEncoded(m.session, s.sessionHdr);
  if (s.deliveryHdr) {
    m.delivery ??= createHistogram();
    addEncoded(m.delivery, s.deliveryHdr);
  }
  return m;
}

/** Adds one shard's PostgreSQL figures into the merged ones (created on first use). Exact. */
export function mergePg(into: MergedPg | undefined, s: PgStepSnapshot): MergedPg {
  const m = into ?? { rows: 0, poolWait: createHistogram(), query: createHistogram() };
  m.rows += s.rows;
  addEncoded(m.poolWait, s.poolWaitHdr);
  addEncoded(m.query, s.queryHdr);
  return m;
}
