/**
 * timeseries.csv says how long each second was: 1000 ms for whole seconds, the real length for the partial
 * second load ended in, so a spreadsheet can weight per-second figures. Seconds are recorded by the real
 * recorder (a partial close, as a run's end does), merged and summarised by the real code.
 */
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { renderTimeseriesCsv } from '../../src/report/csv.js';
import { buildSummary } from '../../src/report/summary.js';
import { settleSender } from '../helpers/settle-sender.js';

/** Two whole seconds, then a 200 ms partial one; 10 answers each. */
function csv(): string {
  const shard = new ShardRecorder(0, 1, { cores: 4, threads: 1 });
  shard.scenario('s', 'constant-vus', 'closed').vusChanged(1);
  const send = settleSender(shard.step('s', 'get', 'closed'), 's');
  const health = { loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent: 10 };
  for (const partialMs of [undefined, undefined, 200]) {
    for (let i = 0; i < 10; i++) send(20);
    shard.closeInterval(health, partialMs);
  }
  const run = mergeSnapshots([shard.snapshot()]);
  const summary = buildSummary({
    name: 'partial',
    target: 'http://127.0.0.1:1',
    run,
    plans: [],
    thresholds: [],
    outcome: 'completed',
    finishedAtMs: run.startedAtMs + 2200,
  });
  return renderTimeseriesCsv(summary);
}

describe('timeseries.csv length_ms', () => {
  const [header, ...rows] = csv().trim().split('\n');
  const cols = (header ?? '').split(',');
  const cell = (second: string, col: string) =>
    rows.map((r) => r.split(',')).find((r) => r[0] === second)?.[cols.indexOf(col)];

  it('is the last column; the others keep their order', () => {
    expect(cols).toEqual([
      'second',
      'requests',
      'rps',
      'failures',
      'error_rate',
      'p50_ms',
      'p95_ms',
      'p99_ms',
      'max_ms',
      'vus',
      'iterations',
      'dropped_iterations',
      'cpu_percent',
      'event_loop_delay_p99_ms',
      'length_ms',
    ]);
  });

  it('is 1000 for whole seconds and the real length for the partial last one', () => {
    expect(rows).toHaveLength(3);
    expect(cell('1', 'length_ms')).toBe('1000');
    expect(cell('2', 'length_ms')).toBe('1000');
    expect(cell('3', 'length_ms')).toBe('200');
    // The partial second's rate is over its 200 ms: the length explains it.
    expect(cell('3', 'rps')).toBe('50');
    for (const r of rows) expect(r.split(',')).toHaveLength(cols.length);
  });
});
