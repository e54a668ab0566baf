/** Real shard snapshots for controller tests, made by the real recorder (no hand-built histograms). */
import { ShardRecorder } from '../../src/metrics/recorder.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';

export function shardSnapshot(
  index: number,
  total: number,
  opts: { requests: number; latencyUs?: number; failures?: number; done?: boolean; elapsedMs?: number },
): ShardSnapshot {
  const recorder = new ShardRecorder(index, total, { cores: 2, threads: 1 });
  recorder.scenario('s', 'constant-vus', 'closed');
  const step = recorder.step('s', 'get', 'closed');
  for (let i = 0; i < opts.requests; i++) {
    const failed = i < (opts.failures ?? 0);
    step.response(opts.latencyUs ?? 10_000, opts.latencyUs ?? 10_000, failed ? 500 : 200, 100, 50);
    if (failed) step.failure('http_5xx', 'HTTP 500');
  }
  if (opts.done) recorder.finish();
  const snapshot = recorder.snapshot();
  return {
    ...snapshot,
    process: { ...snapshot.process, key: `host-${index}` },
    elapsedMs: opts.elapsedMs ?? 10_000,
  };
}
