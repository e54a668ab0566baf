/**
 * The real controller on the real control plane drives simulated runners (test/cluster/sim-kubelet.ts):
 * 30 runner pods served by one process on their own loopback IPs, found by pod IP and commanded with the
 * LoadTest's token, as in production. The report holds every shard's exact totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import type { SimProfile } from '../helpers/runner-sim.js';
import { type SimClusterEnv, startSimClusterEnv } from './cluster-env.js';

const RUNNERS = 30;
const PROFILE: SimProfile = {
  durationMs: 6_000,
  steps: ['login', 'browse'],
  scenario: 's',
  samplesPerStepSecond: 20,
  requestsPerSample: 5,
  streams: 3,
};

const manifest = (name: string) =>
  stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name, namespace: 'default' },
    spec: {
      runners: RUNNERS,
      // Never contacted: the simulated runners make no requests.
      target: { baseURL: 'http://127.0.0.1:9' },
      scenarios: {
        s: { executor: 'constant-vus', vus: RUNNERS, duration: '6s', flow: [{ request: { url: '/' } }] },
      },
    },
  });

describe('controller driving simulated runners', () => {
  let env: SimClusterEnv;
  beforeAll(async () => {
    env = await startSimClusterEnv(PROFILE);
    env.startController([], { STAMPEDE_GUARDRAILS: JSON.stringify({ maxRunners: 0 }) });
  }, 120_000);
  afterAll(() => env?.stop());

  it(`${RUNNERS} simulated runners reach Succeeded with every shard merged`, async () => {
    await env.kubectl(['apply', '-f', '-'], manifest('sim-30'));
    const lt = await env.waitForPhase('sim-30', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status).toMatchObject({ phase: 'Succeeded', runners: { display: `${RUNNERS}/${RUNNERS}` } });
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', 'sim-30-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    expect(summary.shards).toHaveLength(RUNNERS);
    expect(summary.shards.filter((s) => s.lost)).toEqual([]);
    // 30 runners x 6 s x 2 steps x 20 samples x 5 requests each.
    expect(summary.totals.requests).toBe(RUNNERS * 6 * 2 * 20 * 5);
    expect(lt.status?.requests).toBe(summary.totals.requests);
    // The per-second series arrived as deltas (?intervalsFrom) and was joined without a gap or a repeat.
    expect(summary.timeseries.map((t) => t.second)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summary.timeseries.reduce((n, t) => n + t.requests, 0)).toBe(summary.totals.requests);
    expect(env.simKubelet.sim.snapshotCalls).toBeGreaterThanOrEqual(RUNNERS * 2);
  }, 120_000);
});
