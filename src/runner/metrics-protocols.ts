/**
 * WebSocket and PostgreSQL series on the runner's /metrics, from the cumulative snapshot at scrape time.
 * Labels are the scenario and step names from the manifest: bounded, never URLs, queries or IDs.
 */
import { Counter, type Registry } from 'prom-client';
import { labeledSteps } from '../metrics/label-bounds.js';
import type { ShardSnapshot } from '../metrics/snapshot.js';
import { registerHdrHistogram } from './metrics-hdr.js';

const STEP_LABELS = ['scenario', 'step'];

export function registerProtocolMetrics(registry: Registry, latest: () => ShardSnapshot): void {
  new Counter({
    name: 'stampede_ws_sessions_total',
    help: 'WebSocket connections that completed the handshake.',
    labelNames: STEP_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of labeledSteps(latest()))
        if (s.ws) this.inc({ scenario: s.scenario, step: s.step }, s.ws.sessions);
    },
  });
  new Counter({
    name: 'stampede_ws_messages_total',
    help: 'WebSocket messages by direction (sent, received).',
    labelNames: [...STEP_LABELS, 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of labeledSteps(latest())) {
        if (!s.ws) continue;
        this.inc({ scenario: s.scenario, step: s.step, direction: 'sent' }, s.ws.messagesSent);
        this.inc({ scenario: s.scenario, step: s.step, direction: 'received' }, s.ws.messagesReceived);
      }
    },
  });
  registerHdrHistogram(
    registry,
    'stampede_ws_connect_duration_seconds',
    'WebSocket TCP connect plus upgrade handshake.',
    STEP_LABELS,
    () =>
      labeledSteps(latest()).flatMap((s) =>
        s.ws ? [{ labels: { scenario: s.scenario, step: s.step }, hdr: s.ws.connectHdr }] : [],
      ),
  );
  new Counter({
    name: 'stampede_pg_rows_total',
    help: 'Rows PostgreSQL returned.',
    labelNames: STEP_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of labeledSteps(latest()))
        if (s.pg) this.inc({ scenario: s.scenario, step: s.step }, s.pg.rows);
    },
  });
  registerHdrHistogram(
    registry,
    'stampede_pg_pool_wait_seconds',
    'Waiting for a pooled PostgreSQL connection (including opening one), apart from query time.',
    STEP_LABELS,
    () =>
      labeledSteps(latest()).flatMap((s) =>
        s.pg ? [{ labels: { scenario: s.scenario, step: s.step }, hdr: s.pg.poolWaitHdr }] : [],
      ),
  );
  registerHdrHistogram(
    registry,
    'stampede_pg_query_duration_seconds',
    'From sending the query (or BEGIN) to its last row (or COMMIT).',
    STEP_LABELS,
    () =>
      labeledSteps(latest()).flatMap((s) =>
        s.pg ? [{ labels: { scenario: s.scenario, step: s.step }, hdr: s.pg.queryHdr }] : [],
      ),
  );
}
