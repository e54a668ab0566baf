import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import type { Summary } from '../../src/report/summary.js';
import { type ClusterEnv, ROOT, startClusterEnv } from './cluster-env.js';

/** The demo target serves 10 requests at once, 100 ms each: 100 requests per second. */
const CAPACITY_RPS = 100;
/** levels.step in examples/breakpoint.yaml. */
const STEP = 25;

describe('operator: breakpoint test on a real control plane', () => {
  let env: ClusterEnv;
  let target: DemoTarget;
  beforeAll(async () => {
    env = await startClusterEnv();
    target = await startDemoTarget({ port: 0, latencyMs: 100, jitterMs: 0, capacity: 10 });
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await target?.close();
  });

  it('the controller judges stop conditions on merged runner data and stops every runner stepping', async () => {
    const doc = parse(readFileSync(join(ROOT, 'examples/breakpoint.yaml'), 'utf8'));
    doc.metadata = { name: 'breakpoint', namespace: 'default' };
    doc.spec.runners = 2;
    doc.spec.target.baseURL = target.url;
    await env.kubectl(['apply', '-f', '-'], stringify(doc));
    const lt = await env.waitForPhase('breakpoint', ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase).toBe('Succeeded');
    const cm = JSON.parse(await env.kubectl(['get', 'configmap', 'breakpoint-report', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
    const s = summary.scalability;
    const breaking = s?.breakingPoint.value;
    expect(breaking, s?.breakingPoint.method).toBeTruthy();
    expect(Math.abs((breaking?.load ?? 0) - CAPACITY_RPS)).toBeLessThanOrEqual(STEP);
    // Both runners stopped stepping at the controller's one instant: the method names it.
    expect(s?.breakingPoint.method).toMatch(/stepping stopped live at [\d.]+ s/);
    expect(s?.levels.filter((l) => l.phase === 'recovery')).toHaveLength(1);
    expect(s?.recovery.value?.recovered, s?.recovery.method).toBe(true);
    const events = await env.kubectl(['get', 'events', '-n', 'default', '-o', 'json']);
    expect(events).toMatch(/SteppingStopped/);
  }, 120_000);
});
