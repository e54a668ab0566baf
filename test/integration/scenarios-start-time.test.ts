import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

describe('several scenarios side by side', () => {
  let server: TestServer;
  const firstSeenMs = new Map<string, number>();
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const path = req.url ?? '';
      if (!firstSeenMs.has(path)) firstSeenMs.set(path, performance.now());
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('run concurrently, and a scenario with startTime begins that much later', async () => {
    const summary = await run(
      loadTest(server.url, {
        early: {
          executor: 'constant-vus',
          vus: 1,
          duration: '2500ms',
          flow: [{ name: 'early', request: { url: '/early' }, think: { poisson: { mean: '20ms' } } }],
        },
        late: {
          executor: 'constant-arrival-rate',
          startTime: '1s',
          rate: 20,
          duration: '1s',
          preAllocatedVUs: 2,
          flow: [{ name: 'late', request: { url: '/late' } }],
        },
      }),
      2,
    );
    expect(stepOf(summary, 'late').requests).toBe(20);
    expect(stepOf(summary, 'early').requests).toBeGreaterThan(30);
    const gapMs = (firstSeenMs.get('/late') as number) - (firstSeenMs.get('/early') as number);
    expect(gapMs).toBeGreaterThanOrEqual(950);
    expect(gapMs).toBeLessThan(1500);
    expect(summary.latencyModel).toBe('mixed');
  });
});
