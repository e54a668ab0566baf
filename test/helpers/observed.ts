/**
 * One fixture builder for the controller's decide tests: what the controller observed about a LoadTest, its
 * runner pods and their answers. Snapshots come from the real recorder (helpers/snapshots.ts).
 */
import type { Observed, ObservedRunner } from '../../src/controller/model.js';
import type { ShardSnapshot } from '../../src/metrics/snapshot.js';

/** The controller's clock in every decide test. */
export const NOW = Date.parse('2026-11-29T12:00:00Z');

/** A spec with `runners` runners and one constant-vus scenario `s` of one VU per runner, plus `extra`. */
export function loadTestSpec(runners: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { baseURL: 'http://127.0.0.1:1' },
    runners,
    scenarios: {
      s: { executor: 'constant-vus', vus: runners, duration: '10s', flow: [{ request: { url: '/' } }] },
    },
    ...extra,
  };
}

/** The LoadTest `lt` in `ns` with its spec ConfigMap and Job in place (created 5 s ago), no runners yet. */
export function observedLoadTest(
  spec: Record<string, unknown>,
  overrides: Partial<Observed> = {},
  status?: Record<string, unknown>,
): Observed {
  return {
    nowMs: NOW,
    loadTest: {
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'lt', namespace: 'ns', uid: 'u1', generation: 1 },
      spec,
      ...(status ? { status } : {}),
    } as unknown as Observed['loadTest'],
    specConfigMapExists: true,
    job: { createdAtMs: NOW - 5000, failedIndexes: [] },
    runners: [],
    report: undefined,
    ...overrides,
  };
}

/** Runner `index`'s pod, at 127.0.0.(10 + index) unless `ip` says otherwise. */
export function runnerPod(index: number, phase = 'Running', ip = `127.0.0.${10 + index}`) {
  return {
    name: `lt-runners-${index}`,
    phase,
    ready: phase === 'Running',
    ip,
    deleting: false,
    reason: undefined,
  };
}

/** A runner that finished (started 12 s ago) with `snapshot`, its pod still up. */
export function doneRunner(index: number, snapshot: ShardSnapshot): ObservedRunner {
  return {
    index,
    pod: runnerPod(index, 'Running', '127.0.0.9'),
    state: { state: 'done', startAt: NOW - 12_000, snapshot },
    lastSnapshot: snapshot,
  };
}
