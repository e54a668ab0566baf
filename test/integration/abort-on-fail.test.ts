import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

describe('abortOnFail thresholds', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => json(res, 500, { error: 'down' }));
  });
  afterAll(() => server.close());

  it('stops every worker early when a merged threshold fails, with verdict failed', async () => {
    const summary = await run(
      loadTest(
        server.url,
        {
          hammer: {
            executor: 'constant-vus',
            vus: 4,
            duration: '30s',
            flow: [{ name: 'get', request: { url: '/' }, think: { constant: '10ms' } }],
          },
        },
        {
          thresholds: {
            errors: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '1s' }],
            checks: ['rate>0.5'],
          },
        },
      ),
      2,
    );
    expect(summary.outcome).toBe('aborted-by-threshold');
    expect(summary.outcomeDetail).toMatch(/errors rate<0.05 failed/);
    expect(summary.verdict).toBe('failed');
    // Aborted within a few seconds of the delay, far from the planned 30 s.
    expect(summary.durationSeconds).toBeLessThan(10);
    expect(summary.thresholds.find((t) => t.metric === 'errors')).toMatchObject({ passed: false, actual: 1 });
    // No checks were defined, so a checks threshold has no data and fails rather than passing vacuously.
    expect(summary.thresholds.find((t) => t.metric === 'checks')).toMatchObject({
      passed: false,
      actual: null,
    });
    expect(summary.shards.every((s) => s.done)).toBe(true);
  });
});
