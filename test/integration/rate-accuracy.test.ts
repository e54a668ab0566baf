import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { loadTest, run, stepOf } from '../helpers/load-test.js';

/** Arrival-rate runs on one core hit the requested total within ±1%, and a generator asked for too much says so. */
describe('open-model rate accuracy and self-saturation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  for (const [rate, seconds] of [
    [100, 5],
    [1000, 3],
    [5000, 2],
  ] as const) {
    it(`${rate} req/s for ${seconds} s sends ${rate * seconds} ±1%`, async () => {
      const summary = await run(
        loadTest(server.url, {
          r: {
            executor: 'constant-arrival-rate',
            rate,
            duration: `${seconds}s`,
            preAllocatedVUs: 50,
            maxVUs: 500,
            flow: [{ name: 'get', request: { url: '/' } }],
          },
        }),
      );
      const expected = rate * seconds;
      const sent = stepOf(summary, 'get').requests;
      expect(Math.abs(sent - expected)).toBeLessThanOrEqual(expected * 0.01);
      expect(sent + summary.totals.droppedIterations).toBe(expected);
    }, 30_000);
  }

  it('asked for far more than one core can make, it drops iterations and marks itself saturated', async () => {
    const summary = await run(
      loadTest(server.url, {
        flood: {
          executor: 'constant-arrival-rate',
          rate: 300_000,
          // Saturation needs 3 busy seconds in a row; the first second includes warm-up, so 5 s leaves margin.
          duration: '5s',
          preAllocatedVUs: 20,
          maxVUs: 2000,
          // Each iteration costs the generator ~0.1 ms of its own CPU before it sends: the generator, not this
          // in-process target (which sees only what the generator manages), is what falls behind, whatever
          // the machine's speed. Its CPU is its load thread's own, not the process's with the target's in it.
          flow: [
            { name: 'work', set: { pad: '${randomString(20000)}' } },
            { name: 'get', request: { url: '/' } },
          ],
        },
      }),
    );
    expect(summary.totals.droppedIterations).toBeGreaterThan(10_000);
    // Every due iteration is either started or counted as dropped, those the busy generator never reached
    // before the end included: 300,000/s for 5 s.
    expect(summary.totals.iterations + summary.totals.droppedIterations).toBe(1_500_000);
    // Nothing starts after the scenario's end, however far behind it is (5 s plus this machine's slack).
    expect(summary.durationSeconds).toBeLessThan(8);
    expect(summary.generator.saturated).toBe(true);
    expect(summary.generator.reasons.join(' ')).toMatch(/schedule lag|CPU|event-loop/);
    const json = JSON.parse(JSON.stringify(summary));
    expect(json.generator.saturated).toBe(true);
  }, 30_000);
});
