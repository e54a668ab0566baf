/**
 * GET /snapshot?intervalsFrom=N on a real `stampede runner`: the per-second intervals from index N on, the
 * rest cumulative as always; without the query (an older controller) the whole snapshot, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerState } from '../../src/runner/protocol.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { controlFetch } from '../helpers/runner-control.js';
import { startRunnerProcess } from '../helpers/runner-process.js';

describe('runner snapshot interval deltas', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'));
  });
  afterAll(() => server.close());

  it('answers ?intervalsFrom=N with the intervals from N on and says so', async () => {
    const runner = await startRunnerProcess({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'delta' },
      spec: {
        target: { baseURL: server.url },
        scenarios: {
          s: {
            executor: 'constant-vus',
            vus: 1,
            duration: '3s',
            flow: [{ name: 'get', request: { url: '/' }, think: { constant: '20ms' } }],
          },
        },
      },
    });
    const { base } = runner;
    const get = async (query = '') =>
      (await (await controlFetch(`${base}/snapshot${query}`)).json()) as RunnerState;
    await runner.start();
    let whole = await get();
    for (let i = 0; i < 100 && whole.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      whole = await get();
    }
    expect(whole.state).toBe('done');
    expect(whole.intervalsFrom).toBeUndefined();
    expect(whole.snapshot.intervals.length).toBeGreaterThanOrEqual(3);

    const delta = await get('?intervalsFrom=2');
    expect(delta.intervalsFrom).toBe(2);
    expect(delta.snapshot.intervals).toEqual(whole.snapshot.intervals.slice(2));
    expect(delta.snapshot.steps).toEqual(whole.snapshot.steps);
    // Past the end: clamped, nothing new; not a number: the whole snapshot.
    const past = await get('?intervalsFrom=999');
    expect(past.intervalsFrom).toBe(whole.snapshot.intervals.length);
    expect(past.snapshot.intervals).toEqual([]);
    const junk = await get('?intervalsFrom=-1');
    expect(junk.intervalsFrom).toBeUndefined();
    expect(junk.snapshot.intervals).toEqual(whole.snapshot.intervals);

    await controlFetch(`${base}/release`, { method: 'POST' });
    await runner.exited;
    runner.done();
  }, 30_000);
});
