import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveView, runLocal } from '../../src/local/coordinator.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest } from '../helpers/load-test.js';

/**
 * Live progress alone does not make the load thread encode its cumulative histograms every second: the view's
 * last second and request totals come from the seconds shards send anyway (fresh every second), its
 * cumulative figures from full snapshots every few seconds. An abortOnFail threshold still gets fresh totals
 * every second. Real coordinator, worker thread (dist/) and HTTP server.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startServer((_req, res) => res.end('ok'));
});
afterAll(() => server.close());

async function viewsOf(thresholds?: Record<string, unknown>): Promise<LiveView[]> {
  const views: LiveView[] = [];
  const lt = loadTest(server.url, {
    open: {
      executor: 'constant-arrival-rate',
      rate: 100,
      duration: '7s',
      preAllocatedVUs: 5,
      flow: [{ name: 'get', request: { url: '/' } }],
    },
  });
  if (thresholds) lt.spec.thresholds = thresholds as typeof lt.spec.thresholds;
  const { summary } = await runLocal({
    loadTest: lt,
    baseDir: '.',
    env: {},
    workers: 1,
    onLive: (view) => views.push(view),
  });
  expect(summary.totals.requests).toBeGreaterThan(600);
  return views;
}

const stepRequests = (v: LiveView) => v.run.steps.reduce((n, s) => n + s.requests, 0);
const distinct = (values: number[]) => new Set(values).size;

describe('live progress cadence', () => {
  it('progress alone: request totals move every second, the cumulative figures every few seconds', async () => {
    const views = (await viewsOf()).filter((v) => v.totals.requests > 0);
    expect(views.length).toBeGreaterThanOrEqual(5);
    // Fresh each second: the totals from the seconds never stand still while load runs.
    const totals = views.map((v) => v.totals.requests);
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1] as number);
    // (Two views may fall in one second when the merge timer and the shard's second drift apart.)
    expect(distinct(totals)).toBeGreaterThanOrEqual(Math.max(4, views.length - 2));
    // Cumulative figures from full snapshots (second 1, then every 5 s): far fewer distinct values than views.
    expect(distinct(views.map(stepRequests))).toBeLessThanOrEqual(3);
    // The last second is in every view.
    for (const v of views) expect(v.run.intervals.at(-1)?.requests ?? 0).toBeGreaterThan(0);
  }, 60_000);

  it('an abortOnFail threshold gets fresh cumulative figures every second', async () => {
    const views = (
      await viewsOf({ http_req_duration: [{ threshold: 'p(99)<10000', abortOnFail: true }] })
    ).filter((v) => v.totals.requests > 0);
    expect(views.length).toBeGreaterThanOrEqual(5);
    expect(distinct(views.map(stepRequests))).toBeGreaterThanOrEqual(Math.max(4, views.length - 2));
  }, 60_000);
});
