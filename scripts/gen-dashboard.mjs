// Writes the Grafana dashboard to dashboards/stampede.json and the chart's copy. `npm run gen:dashboard`.
// Panels are listed compactly here so that every query shares one label selector and one layout rule;
// test/e2e/dashboard-queries.test.ts sends every query to a real Prometheus and requires data back.
import { writeFileSync } from 'node:fs';

const DS = { type: 'prometheus', uid: '${datasource}' };
// Runner series carry the namespace Prometheus gives the pod and the loadtest label the runner sets;
// the controller's per-LoadTest series carry both themselves (scraped with honor_labels).
const SEL = 'namespace=~"$namespace", loadtest=~"$loadtest"';
const RATE = '[$__rate_interval]';

const q = (expr, legendFormat, extra = {}) => ({ expr, legendFormat, ...extra });
const quantile = (p, metric, by = '') =>
  `histogram_quantile(${p}, sum by (le${by}) (rate(${metric}_bucket{${SEL}}${RATE})))`;

/** Rows of panels; each panel: [type, title, width, unit, queries, options]. */
const ROWS = [
  [
    'Overview',
    [
      [
        'stat',
        'Requests per second (runners)',
        6,
        'reqps',
        [q(`sum(rate(stampede_requests_total{${SEL}}${RATE}))`, 'rps')],
      ],
      ['stat', 'p95, exact merged', 6, 's', [q(`max(stampede_loadtest_latency_p95_seconds{${SEL}})`, 'p95')]],
      [
        'stat',
        'Error ratio, merged',
        6,
        'percentunit',
        [q(`max(stampede_loadtest_error_ratio{${SEL}})`, 'errors')],
      ],
      [
        'stat',
        'Progress',
        6,
        'percentunit',
        [q(`max by (loadtest) (stampede_loadtest_progress_ratio{${SEL}})`, '{{loadtest}}')],
      ],
    ],
  ],
  [
    'Traffic and latency',
    [
      [
        'timeseries',
        'Requests per second by status class',
        12,
        'reqps',
        [q(`sum by (status_class) (rate(stampede_requests_total{${SEL}}${RATE}))`, '{{status_class}}')],
      ],
      [
        'timeseries',
        'Latency, exact merged percentiles (controller, since start)',
        12,
        's',
        [
          q(`max by (loadtest) (stampede_loadtest_latency_p50_seconds{${SEL}})`, 'p50 {{loadtest}}'),
          q(`max by (loadtest) (stampede_loadtest_latency_p95_seconds{${SEL}})`, 'p95 {{loadtest}}'),
          q(`max by (loadtest) (stampede_loadtest_latency_p99_seconds{${SEL}})`, 'p99 {{loadtest}}'),
        ],
      ],
      [
        'timeseries',
        'Latency from histogram buckets (runners, per interval; an estimate)',
        12,
        's',
        [
          q(quantile(0.5, 'stampede_request_duration_seconds'), 'p50'),
          q(quantile(0.95, 'stampede_request_duration_seconds'), 'p95'),
          q(quantile(0.99, 'stampede_request_duration_seconds'), 'p99'),
        ],
      ],
      [
        'timeseries',
        'Errors per second by class',
        12,
        'reqps',
        [q(`sum by (class) (rate(stampede_errors_total{${SEL}}${RATE}))`, '{{class}}')],
      ],
      [
        'timeseries',
        'Active VUs',
        8,
        'short',
        [q(`sum by (scenario) (stampede_active_vus{${SEL}})`, '{{scenario}}')],
      ],
      [
        'timeseries',
        'Iterations per second',
        8,
        'short',
        [
          q(
            `sum by (scenario, result) (rate(stampede_iterations_total{${SEL}}${RATE}))`,
            '{{scenario}} {{result}}',
          ),
        ],
      ],
      [
        'timeseries',
        'Dropped iterations per second (open models)',
        8,
        'short',
        [q(`sum by (scenario) (rate(stampede_dropped_iterations_total{${SEL}}${RATE}))`, '{{scenario}}')],
      ],
    ],
  ],
  [
    'Steps and thresholds',
    [
      [
        'table',
        'Per step',
        14,
        'short',
        [
          q(`sum by (scenario, step, protocol) (rate(stampede_requests_total{${SEL}}${RATE}))`, '', {
            format: 'table',
            instant: true,
            refId: 'rps',
          }),
          q(quantile(0.95, 'stampede_request_duration_seconds', ', scenario, step, protocol'), '', {
            format: 'table',
            instant: true,
            refId: 'p95',
          }),
          q(
            `sum by (scenario, step, protocol) (rate(stampede_checks_total{${SEL}, result="fail"}${RATE}))`,
            '',
            { format: 'table', instant: true, refId: 'checkFails' },
          ),
        ],
        {
          transformations: [
            { id: 'merge', options: {} },
            { id: 'organize', options: { excludeByName: { Time: true } } },
          ],
        },
      ],
      [
        'table',
        'Thresholds on merged data (1 = holds)',
        10,
        'short',
        [
          q(`max by (loadtest, metric, threshold) (stampede_loadtest_threshold_passing{${SEL}})`, '', {
            format: 'table',
            instant: true,
          }),
        ],
        { transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }] },
      ],
    ],
  ],
  [
    'Generator health (if these saturate, the latency figures are suspect)',
    [
      [
        'timeseries',
        'Runner CPU (fraction of one core)',
        8,
        'percentunit',
        [q(`max by (pod) (stampede_generator_cpu_ratio{${SEL}})`, '{{pod}}')],
      ],
      [
        'timeseries',
        'Runner event-loop delay p99',
        8,
        's',
        [q(`max by (pod) (stampede_generator_event_loop_delay_p99_seconds{${SEL}})`, '{{pod}}')],
      ],
      [
        'timeseries',
        'Runner memory (RSS)',
        8,
        'bytes',
        [q(`max by (pod) (stampede_generator_resident_memory_bytes{${SEL}})`, '{{pod}}')],
      ],
      [
        'timeseries',
        'Runners ready (controller)',
        12,
        'short',
        [q(`max by (loadtest) (stampede_loadtest_runners_ready{${SEL}})`, '{{loadtest}}')],
      ],
      [
        'timeseries',
        'Reconciles per second (controller)',
        12,
        'short',
        [q('sum by (result) (rate(stampede_controller_reconcile_total[$__rate_interval]))', '{{result}}')],
      ],
    ],
  ],
  [
    'WebSocket',
    [
      [
        'timeseries',
        'Sessions opened per second',
        8,
        'short',
        [q(`sum by (step) (rate(stampede_ws_sessions_total{${SEL}}${RATE}))`, '{{step}}')],
      ],
      [
        'timeseries',
        'Messages per second',
        8,
        'short',
        [q(`sum by (direction) (rate(stampede_ws_messages_total{${SEL}}${RATE}))`, '{{direction}}')],
      ],
      [
        'timeseries',
        'Connect time p95 (estimate)',
        8,
        's',
        [q(quantile(0.95, 'stampede_ws_connect_duration_seconds', ', step'), '{{step}}')],
      ],
    ],
  ],
  [
    'PostgreSQL',
    [
      [
        'timeseries',
        'Queries per second',
        8,
        'short',
        [q(`sum by (step) (rate(stampede_requests_total{${SEL}, protocol="pg"}${RATE}))`, '{{step}}')],
      ],
      [
        'timeseries',
        'Rows per second',
        8,
        'short',
        [q(`sum by (step) (rate(stampede_pg_rows_total{${SEL}}${RATE}))`, '{{step}}')],
      ],
      [
        'timeseries',
        'Pool wait against query time, p95 (estimate)',
        8,
        's',
        [
          q(quantile(0.95, 'stampede_pg_pool_wait_seconds'), 'pool wait'),
          q(quantile(0.95, 'stampede_pg_query_duration_seconds'), 'query'),
        ],
      ],
    ],
  ],
  [
    'Custom metrics',
    [
      [
        'timeseries',
        'Counters per second',
        8,
        'short',
        [q(`sum by (metric) (rate(stampede_custom_value_total{${SEL}}${RATE}))`, '{{metric}}')],
      ],
      [
        'timeseries',
        'Rates (share true)',
        8,
        'percentunit',
        [
          q(
            `sum by (metric) (rate(stampede_custom_rate_total{${SEL}, result="true"}${RATE})) / sum by (metric) (rate(stampede_custom_rate_total{${SEL}}${RATE}))`,
            '{{metric}}',
          ),
        ],
      ],
      [
        'timeseries',
        'Trends p95 (highest runner; exact merged values are in the report)',
        8,
        'short',
        [q(`max by (metric) (stampede_custom_trend{${SEL}, quantile="0.95"})`, '{{metric}}')],
      ],
    ],
  ],
];

function build() {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const [title, row] of ROWS) {
    panels.push({
      id: id++,
      type: 'row',
      title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const [type, panelTitle, w, unit, queries, options = {}] of row) {
      const h = type === 'stat' ? 4 : 8;
      if (x + w > 24) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      lineHeight = Math.max(lineHeight, h);
      panels.push({
        id: id++,
        type,
        title: panelTitle,
        datasource: DS,
        gridPos: { x, y, w, h },
        fieldConfig: { defaults: { unit }, overrides: [] },
        ...(type === 'timeseries'
          ? { options: { legend: { displayMode: 'list', placement: 'bottom' } } }
          : {}),
        targets: queries.map((t, i) => ({
          datasource: DS,
          refId: t.refId ?? String.fromCharCode(65 + i),
          ...t,
        })),
        ...options,
      });
      x += w;
    }
    y += lineHeight;
  }
  const variable = (name, label, query) => ({
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: name },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    current: { text: 'All', value: '$__all' },
  });
  return {
    title: 'Stampede load tests',
    uid: 'stampede-loadtests',
    description:
      'Stampede runners (traffic, histogram estimates, generator health, WebSocket, PostgreSQL) and the controller (exact merged percentiles, thresholds).',
    tags: ['stampede', 'load-testing'],
    editable: true,
    schemaVersion: 39,
    version: 2,
    time: { from: 'now-30m', to: 'now' },
    refresh: '10s',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        variable('namespace', 'Namespace', 'label_values(stampede_loadtest_requests_per_second, namespace)'),
        variable(
          'loadtest',
          'Load test',
          'label_values(stampede_loadtest_requests_per_second{namespace=~"$namespace"}, loadtest)',
        ),
      ],
    },
    panels,
  };
}

const json = `${JSON.stringify(build(), null, 2)}\n`;
for (const path of ['../dashboards/stampede.json', '../charts/stampede/files/dashboard.json']) {
  const target = new URL(path, import.meta.url);
  writeFileSync(target, json);
  console.log(`wrote ${target.pathname}`);
}
