import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latencyModelLine } from '../../src/report/console.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/**
 * A server that stalls for 1 s every 5 s. The truth: a user arriving at a steady rate during a stall waits
 * up to a second, so with 20% of the time stalled the p99 is far above 0.8 s. A closed model hides this
 * (its VUs simply stop sending while stalled); an open model must show it.
 */
describe('coordinated omission', () => {
  let server: TestServer;
  let startMs = 0;
  beforeAll(async () => {
    server = await startServer((_req, res) => {
      const phaseMs = (performance.now() - startMs) % 5000;
      // Stalled from 4 s to 5 s of every 5 s: answer when the stall ends.
      const waitMs = phaseMs >= 4000 ? 5000 - phaseMs : 0;
      setTimeout(() => res.end('ok'), waitMs);
    });
  });
  afterAll(() => server.close());

  it('an open-model run reports the stall in its p99 and shows the schedule lag', async () => {
    startMs = performance.now();
    const summary = await run(
      loadTest(server.url, {
        steady: {
          executor: 'constant-arrival-rate',
          rate: 100,
          duration: '10s',
          preAllocatedVUs: 50,
          maxVUs: 200,
          flow: [{ name: 'get', request: { url: '/' } }],
        },
      }),
    );
    const step = stepOf(summary, 'get');
    expect(summary.latencyModel).toBe('open');
    expect(step.latency.p99Ms).toBeGreaterThanOrEqual(800);
    expect(summary.totals.droppedIterations).toBe(0);
    expect(summary.scenarios[0]?.scheduleLag).toBeDefined();
    // A light run (100/s) against a stalling target: the answers bursting out after each stall make lag in
    // one second of five, which is the target's doing, not a saturated generator.
    expect(summary.generator.saturated, summary.generator.reasons.join('; ')).toBe(false);
    expect(summary.generator.affectedSeconds).toEqual([]);
    // No iteration started before it was due, so nobody waited less than the service time.
    const step0 = stepOf(summary, 'get');
    expect(step0.latency.minMs).toBeGreaterThanOrEqual(step0.serviceTime?.minMs ?? 0);
    expect(renderMarkdown(summary)).toMatch(/### Open-model schedule[\s\S]*Schedule lag p50/);
    expect(latencyModelLine(summary)).toMatch(/OPEN .* Schedule lag p99: steady/);
  }, 40_000);

  it('a closed-model run of the same server is labelled closed, so its lower p99 is not mistaken for the truth', async () => {
    startMs = performance.now();
    const summary = await run(
      loadTest(server.url, {
        loop: {
          executor: 'constant-vus',
          vus: 5,
          duration: '10s',
          flow: [{ name: 'get', request: { url: '/' } }],
        },
      }),
    );
    expect(summary.latencyModel).toBe('closed');
    expect(latencyModelLine(summary)).toMatch(/CLOSED .* hides queueing/);
    // Each VU waits out the stall once per cycle, so very few samples see it: the closed p99 understates it.
    expect(stepOf(summary, 'get').latency.p99Ms).toBeLessThan(800);
  }, 40_000);
});
