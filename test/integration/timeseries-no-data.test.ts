/**
 * A real run against a local server that stops listening for a while mid-run: the seconds in which every
 * request was refused measured no latency, so summary.json's timeseries has null percentiles for them,
 * never 0 ms. Which second that is depends on timing; the test asserts only that one exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryFromJson, summaryToJson } from '../../src/analysis/summary-json.js';
import type { Summary } from '../../src/report/summary.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

/** Load starts, then after this long the listener closes... */
const DOWN_AFTER_MS = 1500;
/** ...for this long: over 2 s, so at least one whole run second falls inside it. */
const DOWN_FOR_MS = 2300;

describe('seconds where every request was refused', () => {
  let server: TestServer;
  beforeAll(async () => {
    let scheduled = false;
    server = await startServer((_req, res) => {
      res.end('ok');
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => {
        server.server.closeAllConnections();
        server.server.close();
        setTimeout(() => server.server.listen(server.port, '127.0.0.1'), DOWN_FOR_MS).unref();
      }, DOWN_AFTER_MS).unref();
    });
  });
  afterAll(() => server.close());

  it('have null p50/p95/p99/max in summary.json, and answered seconds keep theirs', async () => {
    const summary = await run(
      loadTest(server.url, {
        s: {
          executor: 'constant-arrival-rate',
          rate: 40,
          duration: '6s',
          preAllocatedVUs: 4,
          flow: [{ name: 'get', request: { url: '/', timeout: '1s' } }],
        },
      }),
    );
    const json = summaryToJson(summary);
    const series = (summaryFromJson(json) as Summary).timeseries;
    const dead = series.filter((x) => x.requests > 0 && x.failures === x.requests);
    expect(dead.length).toBeGreaterThan(0);
    for (const x of dead) expect(x).toMatchObject({ p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
    expect(JSON.parse(json).timeseries.some((x: { p95Ms: unknown }) => x.p95Ms === null)).toBe(true);
    // Seconds that were answered in full keep a latency.
    const answered = series.filter((x) => x.requests > 0 && x.failures === 0);
    expect(answered.length).toBeGreaterThan(0);
    for (const x of answered) expect(x.p95Ms).toBeGreaterThan(0);
    expect(summary.errors.byClass.refused).toBeGreaterThan(0);
  });
});
