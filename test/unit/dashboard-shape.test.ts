import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const board = JSON.parse(read('dashboards/stampede.json')) as { panels: Panel[] };
const queryPanels = board.panels.filter((p) => p.type !== 'row');

/** The layout and selector rules; that every query returns data is test/e2e/dashboard-queries.test.ts. */
describe('the Grafana dashboard JSON', () => {
  it('the chart packages the same file (npm run gen:dashboard writes both)', () => {
    expect(read('charts/stampede/files/dashboard.json')).toBe(read('dashboards/stampede.json'));
  });

  it('panel ids are unique and no two panels overlap on the grid', () => {
    expect(new Set(board.panels.map((p) => p.id)).size).toBe(board.panels.length);
    const cells = new Set<string>();
    for (const p of board.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('every query uses the datasource variable and, unless it is about the controller itself, the namespace and load test variables', () => {
    for (const p of queryPanels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid, p.title).toBe('${datasource}');
        if (t.expr.includes('stampede_controller_')) continue;
        expect(t.expr, p.title).toContain('namespace=~"$namespace"');
        expect(t.expr, p.title).toContain('loadtest=~"$loadtest"');
      }
    }
  });

  it('has the panels users look for: rps, both kinds of percentiles, errors, VUs, steps, thresholds, generator, ws, pg', () => {
    const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const metric of [
      'stampede_requests_total',
      'stampede_loadtest_latency_p95_seconds',
      'stampede_request_duration_seconds_bucket',
      'stampede_errors_total',
      'stampede_active_vus',
      'stampede_loadtest_threshold_passing',
      'stampede_generator_cpu_ratio',
      'stampede_generator_event_loop_delay_p99_seconds',
      'stampede_ws_messages_total',
      'stampede_pg_pool_wait_seconds_bucket',
    ])
      expect(exprs).toContain(metric);
  });
});
