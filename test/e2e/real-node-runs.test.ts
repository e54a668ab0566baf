import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Summary } from '../../src/report/summary.js';
import { DEMO_PORT, demoTargetObjects } from '../node/demo-target.js';
import { readyPod } from '../node/pods.js';
import { pollUntil, type RealClusterEnv, ROOT, startRealClusterEnv } from './cluster-env.js';

interface LoadTestObject {
  status?: {
    phase?: string;
    requests?: number;
    verdict?: string;
    runners?: { display?: string };
    report?: string;
    p95Ms?: number;
  };
}

function manifest(name: string, runners: number, baseURL: string): string {
  const doc = parse(readFileSync(join(ROOT, 'examples/distributed.yaml'), 'utf8'));
  doc.metadata = { name, namespace: 'default' };
  doc.spec.runners = runners;
  doc.spec.target.baseURL = baseURL;
  return stringify(doc);
}

/** examples/distributed.yaml as a user applies it: runner containers on the real node, the demo target a pod. */
describe('operator on the real node', () => {
  let env: RealClusterEnv;
  let targetURL: string;
  beforeAll(async () => {
    env = await startRealClusterEnv();
    await env.kubectl(
      ['apply', '-f', '-'],
      demoTargetObjects({ namespace: 'default' })
        .map((o) => stringify(o))
        .join('---\n'),
    );
    const demo = await readyPod(env.kubectl, 'default', 'app=demo-target');
    targetURL = `http://${demo.status?.podIP}:${DEMO_PORT}`;
    env.startController();
  }, 240_000);
  afterAll(async () => {
    await env?.stop();
  }, 120_000);

  for (const runners of [1, 3]) {
    it(`kubectl apply with ${runners} runner(s) reaches Succeeded with merged figures and a report`, async () => {
      const name = `dist-${runners}`;
      await env.kubectl(['apply', '-f', '-'], manifest(name, runners, targetURL));
      const lt = await pollUntil(`${name} Succeeded`, 90_000, async () => {
        const o = JSON.parse(await env.kubectl(['get', 'lt', name, '-o', 'json'])) as LoadTestObject;
        if (o.status?.phase === 'Failed') throw new Error(`failed: ${JSON.stringify(o.status)}`);
        return o.status?.phase === 'Succeeded' ? o : undefined;
      });
      expect(lt.status).toMatchObject({
        verdict: 'Passed',
        runners: { display: `${runners}/${runners}` },
        report: `${name}-report`,
      });
      const cm = JSON.parse(await env.kubectl(['get', 'configmap', `${name}-report`, '-o', 'json'])) as {
        data: Record<string, string>;
      };
      expect(Object.keys(cm.data).sort()).toEqual([
        'junit.xml',
        'report.html',
        'report.md',
        'summary.json',
        'timeseries.csv',
      ]);
      const summary = JSON.parse(cm.data['summary.json'] as string) as Summary;
      expect(summary.shards).toHaveLength(runners);
      expect(summary.totals.requests).toBe(summary.shards.reduce((n, s) => n + s.requests, 0));
      expect(lt.status?.requests).toBe(summary.totals.requests);
      expect(summary.totals.requests).toBeGreaterThan(100);
      const table = await env.kubectl(['get', 'lt', name]);
      expect(table).toMatch(/NAME\s+PHASE\s+RUNNERS\s+RPS\s+P95\(MS\)\s+ERRORS\s+VERDICT\s+AGE/);
      expect(table).toMatch(new RegExp(`${name}\\s+Succeeded\\s+${runners}/${runners}`));
    }, 120_000);
  }
});
