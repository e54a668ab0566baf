/**
 * Levels where requests got no answer, recorded through the real settle path (compileSettle, StepRecorder,
 * the shard's per-second interval) and analysed by the real levels and scalability code: a failed level has
 * no latency ("no data", never 0 ms), a down target has not recovered, and a timed-out request counts in
 * the latency at the time the client waited for it.
 */
import { describe, expect, it } from 'vitest';
import { scalabilityOf } from '../../src/analysis/run-scalability.js';
import { withVerdict } from '../../src/analysis/verdict.js';
import type { Scenario } from '../../src/api/schema.js';
import { EXECUTOR_REGISTRY } from '../../src/engine/executors/index.js';
import { createIntervalHistogram } from '../../src/metrics/histogram.js';
import type { MergedInterval, MergedRun } from '../../src/metrics/merge.js';
import { ShardRecorder } from '../../src/metrics/recorder.js';
import { HTTP1_ERROR_CODES, Http1Error } from '../../src/protocols/http1/errors.js';
import { renderConsoleSummary } from '../../src/report/console.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { refusedError, settleSender } from '../helpers/settle-sender.js';
import { summaryFixture } from '../helpers/summary-fixture.js';

const TIMEOUT_MS = 2000;

/** What one second of traffic got: answers at `okMs`, request timeouts and refused connections. */
interface SecondTraffic {
  ok: number;
  okMs?: number;
  timedOut?: number;
  refused?: number;
}

/** Settles each request of each second through the real settle path; returns the merged-shaped seconds. */
function recordSeconds(seconds: SecondTraffic[]): MergedInterval[] {
  const shard = new ShardRecorder(0, 1, { cores: 1, threads: 1 });
  const send = settleSender(shard.step('bp', 'get', 'open'), 'bp');
  return seconds.map((t, n) => {
    for (let i = 0; i < t.ok; i++) send(t.okMs ?? 50);
    for (let i = 0; i < (t.timedOut ?? 0); i++)
      send(
        TIMEOUT_MS,
        new Http1Error(HTTP1_ERROR_CODES.headersTimeout, `no response within ${TIMEOUT_MS} ms`),
      );
    for (let i = 0; i < (t.refused ?? 0); i++) send(0.1, refusedError());
    // What closeInterval keeps of the second, as the merge hands it to the analysis.
    const i = shard.interval;
    const duration = createIntervalHistogram();
    duration.add(i.duration);
    const second: MergedInterval = {
      second: n + 1,
      requests: i.requests,
      failures: i.failures,
      bytesIn: 0,
      iterations: i.requests,
      dropped: 0,
      checksPass: 0,
      checksFail: 0,
      vus: 1,
      duration,
      loopDelayP99Ms: 0,
      loopDelayMaxMs: 0,
      cpuPercent: 10,
    };
    i.reset();
    return second;
  });
}

/** Levels 10, 20, 30/s for 5 s each, then 5 s of recovery at 10/s: seconds 1-5, 6-10, 11-15, 16-20. */
function breakpointScalability(stopWhen: string[], levels: SecondTraffic[]) {
  const spec = {
    executor: 'breakpoint',
    levels: { unit: 'rate', start: 10, step: 10, max: 30, duration: '5s' },
    ...(stopWhen.length ? { stopWhen } : {}),
    recovery: { duration: '5s' },
    preAllocatedVUs: 50,
    flow: [{ request: { url: '/' } }],
  } as unknown as Scenario;
  const plan = EXECUTOR_REGISTRY.breakpoint.plan('bp', spec, { index: 0, total: 1 });
  const intervals = recordSeconds(levels.flatMap((l) => Array.from({ length: 5 }, () => l)));
  const run = { intervals, scenarios: [{ name: 'bp' }] } as unknown as MergedRun;
  return scalabilityOf(run, [plan], []);
}

describe('levels without answers', () => {
  it('a level whose every request was refused has no latency, degrades, and a down target has not recovered', () => {
    const sc = breakpointScalability(
      ['p(95)>500ms'],
      [{ ok: 10 }, { ok: 20 }, { ok: 0, refused: 30 }, { ok: 0, refused: 10 }],
    );
    const [l0, , failed, recovery] = sc?.levels ?? [];
    expect(l0?.p95Ms).toBeGreaterThan(0);
    expect(failed).toMatchObject({ errorRate: 1, p50Ms: null, p95Ms: null, p99Ms: null });
    expect(recovery).toMatchObject({ phase: 'recovery', errorRate: 1, p95Ms: null });
    // Not a 0 ms level that no latency rule can see: degraded by its errors.
    expect(sc?.degradationPoint.value).toEqual({
      level: 2,
      load: 30,
      p95Ms: null,
      factor: null,
      errorRate: 1,
    });
    expect(sc?.recovery.value).toEqual({ seconds: 5, recovered: false });
    expect(sc?.recovery.method).toMatch(/error rate was below 5%/);
  });

  it('a level with half its requests timed out shows p95 at the timeout, so a latency stopWhen breaks there', () => {
    const sc = breakpointScalability(
      ['p(95)>500ms'],
      [{ ok: 10 }, { ok: 20 }, { ok: 15, timedOut: 15 }, { ok: 10 }],
    );
    const timedOut = sc?.levels[2];
    expect(timedOut?.errorRate).toBe(0.5);
    expect(timedOut?.p95Ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.99); // ±1% histogram precision
    expect(timedOut?.p50Ms).toBeLessThan(100); // the answered half stays as fast as it was
    expect(sc?.breakingPoint.value).toEqual({ level: 2, load: 30, condition: 'p(95)>500ms' });
    expect(sc?.capacityAtSlo.value?.level).toBe(1);
    expect(sc?.recovery.value?.recovered).toBe(true);
  });

  it('every report shows "no data" for the failed level, and the run fails when its capacity was all errors', () => {
    // No stopWhen and no thresholds: every level counts as within the SLO, the failed one included.
    const sc = breakpointScalability(
      [],
      [{ ok: 10 }, { ok: 20 }, { ok: 0, refused: 30 }, { ok: 0, refused: 10 }],
    );
    expect(sc?.capacityAtSlo.value?.level).toBe(2);
    const base = summaryFixture();
    const summary = withVerdict({
      ...base,
      thresholds: [],
      scenarios: base.scenarios.map((s) => ({ ...s, name: 'bp', executor: 'breakpoint' })),
      steps: base.steps.map((s) => ({ ...s, scenario: 'bp' })),
      ...(sc ? { scalability: sc } : {}),
    });
    const md = renderMarkdown(summary);
    const row = md.split('\n').find((line) => line.startsWith('| 2 | load |'));
    expect(row).toMatch(/\| no data \| no data \| no data \| 100\.0% \|/);
    expect(md).not.toMatch(/\| 2 \| load \|[^\n]*0\.00ms/);
    expect(md).toMatch(/Degradation point \| level 2 \(30\/s\): errors 100\.0%, p95 no data/);
    const html = renderHtml(summary);
    expect(html).toMatch(/Degradation point<\/td><td>30\/s: errors 100\.0%, p95 no data/);
    // Levels 0 and 1 drawn; the failed level gets no point at 0 ms, and the recovery level none at all.
    expect(html).toMatch(/data-series="p95" data-points="2"/);
    expect(html).not.toMatch(/data-series="p95 \(recovery\)"/);
    expect(renderConsoleSummary(summary)).toMatch(/not recovered within 5 s/);
    // The capacity it reports was reached while every request failed: the run does not pass.
    expect(summary.verdict).toBe('failed');
    const gate = summary.gates.find((g) => g.name.startsWith('error rate up to the reported capacity'));
    expect(gate).toMatchObject({ passed: false, actual: '100.00% at level 2' });
    expect(renderJunit(summary)).toMatch(/error rate up to the reported capacity/);
  });
});
