import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import type { Summary } from '../../src/report/summary.js';
import { type ClusterEnv, pollUntil, ROOT, startClusterEnv } from './cluster-env.js';

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

describe('operator on a real control plane', () => {
  let env: ClusterEnv;
  let target: DemoTarget;
  beforeAll(async () => {
    env = await startClusterEnv();
    target = await startDemoTarget({ port: 0, latencyMs: 1, jitterMs: 2 });
    env.startController();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await target?.close();
  });

  for (const runners of [1, 3]) {
    it(`kubectl apply with ${runners} runner(s) reaches Succeeded with merged figures and a report`, async () => {
      const name = `dist-${runners}`;
      await env.kubectl(['apply', '-f', '-'], manifest(name, runners, target.url));
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
