import { describe, expect, it } from 'vitest';
import { classifySqlState } from '../../src/metrics/error-class.js';
import { latencyStats } from '../../src/metrics/histogram.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { buildSummary } from '../../src/report/summary.js';

/** Deterministic heavy-tailed samples in µs. */
function samples(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round(100 * Math.exp((x / 2 ** 31) * 10));
  });
}

/** Feeds sample i to shard i % shards.length, through the real recorder methods. */
function record(shards: ShardRecorder[]) {
  const values = samples(20_000, 7);
  values.forEach((us, i) => {
    const shard = shards[i % shards.length] as ShardRecorder;
    const ws = shard.step('s', 'chat', 'closed', 'ws');
    const pg = shard.step('s', 'query', 'closed', 'pg');
    ws.wsConnected(us);
    ws.wsReply(us * 2);
    ws.wsSent(10);
    ws.wsReceived(20);
    ws.wsDelivery(us + 5);
    ws.wsSessionEnded(us * 3);
    if (i % 10 === 0) ws.failure('ws_close', 'server closed the connection with 1011 (server error)');
    if (i % 7 === 0) pg.pgFailed(classifySqlState('42P01'), '42P01 relation "x" does not exist', us);
    else pg.pgQuery(us * 2 + 1, us, us + 1, i % 3);
  });
}

describe('WebSocket and PostgreSQL figures merge without loss', () => {
  for (const parts of [2, 5]) {
    it(`${parts} shards merged equal one recorder fed every sample`, () => {
      const whole = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
      record([whole]);
      const shards = Array.from(
        { length: parts },
        (_, i) => new ShardRecorder(i, parts, { cores: 1, threads: 1 }),
      );
      record(shards);
      const one = mergeSnapshots([whole.snapshot()]);
      const merged = mergeSnapshots(
        shards.map((s, i) => ({ ...s.snapshot(), process: { key: `p${i}`, cores: 1, threads: 1 } })),
      );
      for (const name of ['chat', 'query']) {
        const a = one.steps.find((s) => s.step === name);
        const b = merged.steps.find((s) => s.step === name);
        expect(b?.protocol).toBe(a?.protocol);
        expect(b?.requests).toBe(a?.requests);
        expect(b?.errors).toEqual(a?.errors);
        expect(latencyStats(b?.duration as never)).toEqual(latencyStats(a?.duration as never));
      }
      const [wa, wb] = [one, merged].map((r) => r.steps.find((s) => s.step === 'chat')?.ws);
      expect(wb).toMatchObject({ sessions: 20_000, messagesSent: 20_000, messagesReceived: 20_000 });
      for (const h of ['connect', 'session', 'delivery'] as const)
        expect(latencyStats(wb?.[h] as never)).toEqual(latencyStats(wa?.[h] as never));
      const [pa, pb] = [one, merged].map((r) => r.steps.find((s) => s.step === 'query')?.pg);
      expect(pb?.rows).toBe(pa?.rows);
      for (const h of ['poolWait', 'query'] as const)
        expect(latencyStats(pb?.[h] as never)).toEqual(latencyStats(pa?.[h] as never));
      // Failed queries record their pool wait too: every sample has one.
      expect(pb?.poolWait.totalCount).toBe(20_000);

      const summary = buildSummary({
        name: 't',
        target: 'x',
        run: merged,
        plans: [],
        thresholds: [],
        outcome: 'completed',
        finishedAtMs: Date.now(),
      });
      expect(summary.errors.byClass).toMatchObject({ ws_close: 2000, pg_42: 2858 });
      const query = summary.steps.find((s) => s.step === 'query');
      expect(query?.errors).toEqual({ pg_42: 2858 });
      expect(query?.pg?.poolWait.count).toBe(20_000);
      expect(query?.pg?.queryTime.count).toBe(20_000 - 2858);
    });
  }
});

describe('SQLSTATE classes', () => {
  it('classes server errors by their first two characters and connection failures as pg_connect', () => {
    expect(classifySqlState('42601')).toBe('pg_42');
    expect(classifySqlState('23505')).toBe('pg_23');
    expect(classifySqlState('40P01')).toBe('pg_40');
    expect(classifySqlState('57014')).toBe('pg_57'); // statement timeout: the server answered
    expect(classifySqlState('08006')).toBe('pg_connect');
    expect(classifySqlState('57P01')).toBe('pg_connect'); // admin shutdown
    expect(classifySqlState(undefined)).toBe('pg_connect'); // ECONNREFUSED and friends carry no SQLSTATE
    expect(classifySqlState('ECONNREFUSED')).toBe('pg_connect');
  });
});
