/**
 * The runner simulator answers like a runner: the real control API and token check, snapshots that pass the
 * controller's own answer check, grow second by second and merge to exact totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunnerAnswer } from '../../src/controller/runner-answer.js';
import { mergeSnapshots } from '../../src/metrics/merge.js';
import type { RunnerState } from '../../src/runner/protocol.js';
import { RunnerSim, type SimProfile } from '../helpers/runner-sim.js';

const TOKEN = 'simulated-runner-token-0123456789abcdefghij';
const PROFILE: SimProfile = {
  durationMs: 10_000,
  steps: ['a', 'b'],
  scenario: 's',
  samplesPerStepSecond: 50,
  requestsPerSample: 2,
  streams: 2,
};
const PORT = 18765;
const ips = ['127.0.79.11', '127.0.79.12', '127.0.79.13'];

describe('runner simulator', () => {
  let nowMs = 1_000_000;
  const released: string[] = [];
  const sim = new RunnerSim(PROFILE, { released: (ip) => released.push(ip) }, () => nowMs);
  const url = (ip: string, path: string) => `http://${ip}:${PORT}${path}`;
  const call = (ip: string, path: string, method = 'GET', body?: unknown) =>
    fetch(url(ip, path), {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const state = async (ip: string) => (await (await call(ip, '/snapshot')).json()) as RunnerState;

  beforeAll(async () => {
    for (const [index, ip] of ips.entries())
      await sim.add({ ip, port: PORT, token: TOKEN, index, total: ips.length, group: 'default/t' });
  });
  afterAll(() => sim.stop());

  it('refuses control calls without the LoadTest token, as a runner does', async () => {
    const ip = ips[0] as string;
    expect((await fetch(url(ip, '/snapshot'))).status).toBe(401);
    expect((await fetch(url(ip, '/readyz'))).status).toBe(200);
    const wrong = await fetch(url(ip, '/snapshot'), { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('waits, starts at the shared instant, grows per second and ends done with exact totals', async () => {
    expect((await state(ips[0] as string)).state).toBe('waiting');
    const startAt = nowMs + 2000;
    for (const ip of ips) expect((await call(ip, '/start', 'POST', { startAt })).status).toBe(202);
    expect((await call(ips[0] as string, '/start', 'POST', { startAt: startAt + 1 })).status).toBe(409);

    nowMs = startAt + 4_500;
    const mid = await state(ips[1] as string);
    expect(mid.state).toBe('running');
    expect(mid.snapshot.shard).toEqual({ index: 1, total: 3 });
    expect(mid.snapshot.intervals.map((i) => i.second)).toEqual([1, 2, 3, 4]);
    expect(mid.snapshot.steps.map((s) => s.requests)).toEqual([400, 400]);
    const checked = checkRunnerAnswer(mid, { index: 1, total: 3 });
    expect(checked.ok).toBe(true);

    nowMs = startAt + 10_200;
    const finals = await Promise.all(ips.map(state));
    for (const [index, f] of finals.entries()) {
      expect(f.state).toBe('done');
      expect(checkRunnerAnswer(f, { index, total: 3 }, 4)).toMatchObject({ ok: true });
    }
    const run = mergeSnapshots(finals.map((f) => f.snapshot));
    // 3 runners x 10 s x 2 steps x 50 samples x 2 requests each.
    expect(run.steps.reduce((n, st) => n + st.requests, 0)).toBe(3 * 10 * 2 * 50 * 2);
    expect(run.intervals).toHaveLength(10);
    expect(sim.snapshotCalls).toBeGreaterThan(0);
  });

  it('serves the runner /metrics and reports /release', async () => {
    const ip = ips[2] as string;
    const text = await (await fetch(url(ip, '/metrics'))).text();
    expect(text).toMatch(/stampede_requests_total\{[^}]*step="a"[^}]*status_class="2xx"[^}]*\} \d+/);
    expect((await call(ip, '/release', 'POST')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toEqual([ip]);
  });
});
