import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/api/schema.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run } from '../helpers/load-test.js';

/**
 * gracefulRampDown (k6 semantics): an iteration of a VU that a lowered target ramps down gets that long to
 * finish; then it is interrupted, and nothing after the step it waits in is sent. The server holds /slow;
 * /after is the iteration's next step. Assertions are on what the server saw and the counts, not on times.
 */
describe('ramping-vus gracefulRampDown', () => {
  let server: TestServer;
  const seen: string[] = [];
  /** /slow requests answered so far (the hold elapsed). */
  let answered = 0;
  let holdMs = 0;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url !== '/slow') return res.end('ok');
      const timer = setTimeout(() => {
        answered++;
        res.end('slow');
      }, holdMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  afterAll(() => server.close());

  /** Two VUs from the start, down to none after 300 ms; the load ends `tail` later, gracefulStop is long. */
  const scenario = (gracefulRampDown: string, tail = '1s'): Scenario =>
    ({
      executor: 'ramping-vus',
      startVUs: 2,
      stages: [
        { duration: '300ms', target: 2 },
        { duration: '100ms', target: 0 },
        { duration: tail, target: 0 },
      ],
      gracefulStop: '30s',
      gracefulRampDown,
      flow: [
        { name: 'slow', request: { url: '/slow' } },
        { name: 'after', request: { url: '/after' } },
      ],
    }) as Scenario;

  it('interrupts an iteration still running at the deadline: its next step is never sent', async () => {
    seen.length = 0;
    answered = 0;
    holdMs = 8_000;
    const summary = await run(loadTest(server.url, { s: scenario('300ms') }));
    // Without the interrupt, gracefulStop (30s) would let the held requests be answered and /after be sent.
    expect(answered).toBe(0);
    expect(seen).toContain('/slow');
    expect(seen).not.toContain('/after');
    const s = summary.scenarios[0];
    expect(s?.interruptedIterations).toBeGreaterThanOrEqual(1);
    expect(s?.iterations).toBe(0);
    // The held requests were never answered: no request and no false error is recorded for them.
    expect(summary.steps.find((x) => x.step === 'slow')?.requests ?? 0).toBe(0);
    expect(summary.totals.failures).toBe(0);
    expect(Object.values(summary.errors.byClass).filter((n) => n > 0)).toEqual([]);
  });

  it('records the answer of a request in flight at the interrupt, and still sends nothing after it', async () => {
    seen.length = 0;
    answered = 0;
    holdMs = 1_500;
    // The load runs on (no VUs) well past the held answers, so they arrive while the scenario is on.
    const summary = await run(loadTest(server.url, { s: scenario('300ms', '4s') }));
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(seen).not.toContain('/after');
    const s = summary.scenarios[0];
    expect(s?.interruptedIterations).toBeGreaterThanOrEqual(1);
    expect(s?.iterations).toBe(0);
    expect(summary.steps.find((x) => x.step === 'slow')?.requests).toBe(answered);
    expect(summary.totals.failures).toBe(0);
  });

  it('lets an iteration finish within a long enough gracefulRampDown (control)', async () => {
    seen.length = 0;
    answered = 0;
    holdMs = 1_000;
    const summary = await run(loadTest(server.url, { s: scenario('10s') }));
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(seen).toContain('/after');
    const s = summary.scenarios[0];
    expect(s?.interruptedIterations).toBe(0);
    expect(s?.iterations).toBeGreaterThanOrEqual(1);
  });
});
