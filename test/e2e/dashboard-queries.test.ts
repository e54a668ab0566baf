/**
 * Every query of the Grafana dashboard (dashboards/stampede.json), sent to a real Prometheus that scrapes a
 * running LoadTest's runners (discovered from the real apiserver's pods, as a PodMonitor would) and the
 * controller. A panel whose query returns nothing fails the test.
 */
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type DemoTarget, startDemoTarget } from '../../src/demo/server.js';
import { freePort, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus-server.js';
import { type ClusterEnv, pollUntil, ROOT, startClusterEnv } from './cluster-env.js';

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  type: string;
  title: string;
  targets?: Target[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
}

const NAME = 'dash';
const NAMESPACE = 'default';
/** What Grafana puts in for the variables; $__rate_interval is 4 scrape intervals. */
const VARIABLES: Record<string, string> = {
  namespace: NAMESPACE,
  loadtest: NAME,
  __rate_interval: '4s',
};
const substitute = (expr: string) =>
  expr.replace(/\$(\w+)/g, (_, name: string) => VARIABLES[name] ?? `$${name}`);

/** HTTP with status checks and injected 5xx, WebSocket sessions, and PostgreSQL reads through a pool. */
function loadTest(baseURL: string): string {
  const vusFor = (seconds: number) => ({ executor: 'constant-vus', vus: 4, duration: `${seconds}s` });
  return stringify({
    apiVersion: 'stampede.dev/v1alpha1',
    kind: 'LoadTest',
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: {
      target: { baseURL },
      runners: 2,
      postgres: {
        urlFrom: { secretKeyRef: { name: 'dash-db', key: 'url' } },
        pool: 2,
      },
      scenarios: {
        api: {
          ...vusFor(20),
          flow: [
            { name: 'login', request: { method: 'POST', url: '/api/login', json: { username: 'u' } } },
            {
              name: 'data',
              request: { url: '/api/data' },
              check: { status: 200 },
              // The custom-metrics row's panels read these.
              metrics: [
                { name: 'answers', type: 'counter', value: '1' },
                { name: 'answered_ok', type: 'rate', value: '${last.status == 200}' },
                { name: 'status_code', type: 'trend', value: '${last.status}' },
              ],
              think: { constant: '50ms' },
            },
          ],
        },
        arrivals: {
          executor: 'constant-arrival-rate',
          rate: 10,
          duration: '20s',
          preAllocatedVUs: 2,
          flow: [{ name: 'health', request: { url: '/healthz' } }],
        },
        chat: {
          ...vusFor(20),
          gracefulStop: '5s',
          flow: [
            {
              name: 'ping',
              ws: {
                url: '/ws',
                send: { json: { type: 'ping' } },
                expect: { json: { path: '$.type', equals: 'pong' } },
                session: { duration: '2s', interval: '200ms' },
              },
            },
          ],
        },
        db: {
          ...vusFor(20),
          flow: [
            { name: 'read', pg: { query: 'SELECT id FROM dash WHERE id = 1' }, think: { constant: '20ms' } },
          ],
        },
      },
      thresholds: { http_req_duration: ['p(95)<5s'], errors: ['rate<0.5'] },
    },
  });
}

interface PodList {
  items: {
    metadata: { name: string; namespace: string };
    spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] };
    status: { podIP?: string };
  }[];
}

/**
 * Kubernetes pod discovery as Prometheus does it for a PodMonitor (runner pods, their port named
 * `control`, with namespace and pod labels), written to a file_sd file once a second until stopped.
 */
function discoverRunners(env: ClusterEnv, file: string): { stop(): void } {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const pods = JSON.parse(
        await env.kubectl(['get', 'pods', '-A', '-l', 'stampede.dev/component=runner', '-o', 'json']),
      ) as PodList;
      const groups = pods.items.flatMap((pod) => {
        const port = pod.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === 'control');
        if (!pod.status.podIP || !port) return [];
        return [
          {
            targets: [`${pod.status.podIP}:${port.containerPort}`],
            labels: { namespace: pod.metadata.namespace, pod: pod.metadata.name },
          },
        ];
      });
      // Written whole and renamed, so Prometheus never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(groups));
      renameSync(`${file}.tmp`, file);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  loop().catch(() => {});
  return {
    stop: () => {
      stopped = true;
    },
  };
}

describe('the Grafana dashboard against a real Prometheus', () => {
  let env: ClusterEnv;
  let demo: DemoTarget;
  let pg: TestPostgres;
  let prom: TestPrometheus;
  let targetsFile = '';
  let startSec = 0;
  let endSec = 0;
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards/stampede.json'), 'utf8')) as Dashboard;

  beforeAll(async () => {
    env = await startClusterEnv();
    // Some 5xx so that the errors-by-class panel has something to show.
    demo = await startDemoTarget({ port: 0, latencyMs: 2, jitterMs: 2, errorRate: 0.05 });
    pg = await startPostgres();
    await pg.query('CREATE TABLE dash (id int PRIMARY KEY); INSERT INTO dash VALUES (1)');
    const controllerPort = await freePort();
    targetsFile = join(mkdtempSync(join(tmpdir(), 'stampede-sd-')), 'runners.json');
    writeFileSync(targetsFile, '[]');
    env.startController(['--metrics-port', String(controllerPort)]);
    prom = await startPrometheus([
      {
        // What the chart's PodMonitor asks the Prometheus operator for: runner pods, their control port.
        // Debian builds Prometheus without Kubernetes discovery, so discoverRunners() writes the file.
        job_name: 'stampede-runners',
        file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
      },
      {
        // The chart's ServiceMonitor keeps the LoadTest's namespace label from the controller (honorLabels).
        job_name: 'stampede-controller',
        honor_labels: true,
        static_configs: [{ targets: [`127.0.0.1:${controllerPort}`] }],
      },
    ]);
    await env.kubectl(['create', 'secret', 'generic', 'dash-db', `--from-literal=url=${pg.url}`]);
    await env.kubectl(['apply', '-f', '-'], loadTest(demo.url));
    const discovery = discoverRunners(env, targetsFile);
    await env.waitForPhase(NAME, ['Running'], 60_000);
    startSec = Math.floor(Date.now() / 1000) - 5;
    const lt = await env.waitForPhase(NAME, ['Succeeded', 'Failed', 'Aborted'], 90_000);
    expect(lt.status?.phase, JSON.stringify(lt.status)).toBe('Succeeded');
    endSec = Math.ceil(Date.now() / 1000);
    discovery.stop();
  }, 240_000);

  afterAll(async () => {
    await prom?.stop();
    await env?.stop();
    await demo?.close();
    pg?.stop();
  });

  it('the namespace and load test variables list the running test', async () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.definition]));
    for (const [name, want] of [
      ['namespace', NAMESPACE],
      ['loadtest', NAME],
    ] as const) {
      const match = /^label_values\((.+), (\w+)\)$/.exec(substitute(variables[name] ?? ''));
      expect(match, `variable ${name} is a label_values() query`).not.toBeNull();
      const [, selector, label] = match as unknown as [string, string, string];
      expect(await prom.labelValues(label, selector)).toContain(want);
    }
  });

  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('the dashboard has queries for every row', () => {
    expect(queries.length).toBeGreaterThan(25);
  });

  it.each(queries.map((q) => [`${q.panel} [${q.refId}]`, q.expr] as const))(
    'returns data: %s',
    async (_title, expr) => {
      const result = await prom.queryRange(substitute(expr), startSec, endSec, 1);
      const values = result.flatMap((s) => s.values.map(([, v]) => Number(v))).filter(Number.isFinite);
      if (values.length === 0) {
        const targets = await prom.targets();
        throw new Error(`no data for ${substitute(expr)}; targets: ${JSON.stringify(targets)}`);
      }
      expect(values.length).toBeGreaterThan(0);
    },
  );

  it('histogram estimates and exact merged percentiles are both there and agree in order of magnitude', async () => {
    const last = async (expr: string) => {
      const series = await prom.queryRange(substitute(expr), startSec, endSec, 1);
      const values = series.flatMap((s) => s.values.map(([, v]) => Number(v))).filter(Number.isFinite);
      return values.at(-1) as number;
    };
    const exact = await last('max(stampede_loadtest_latency_p95_seconds{loadtest="$loadtest"})');
    // The runners' histogram over the whole run, so it covers the same samples as the exact figure.
    const estimate = await pollUntil('a whole-run histogram estimate', 10_000, async () => {
      const v = await last(
        `histogram_quantile(0.95, sum by (le) (max_over_time(stampede_request_duration_seconds_bucket{loadtest="$loadtest"}[${endSec - startSec}s])))`,
      );
      return Number.isFinite(v) ? v : undefined;
    });
    expect(exact).toBeGreaterThan(0);
    expect(estimate).toBeGreaterThan(exact / 10);
    expect(estimate).toBeLessThan(exact * 10);
  });
});
