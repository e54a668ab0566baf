import { describe, expect, it } from 'vitest';
import { summaryFromJson, summaryToJson } from '../../../src/analysis/summary-json.js';
import type { ObservedBaseline } from '../../../src/controller/baseline.js';
import { decide } from '../../../src/controller/decide.js';
import { DEFAULT_SETTINGS, type Observed } from '../../../src/controller/model.js';
import { fitReportFiles } from '../../../src/report/fit.js';
import type { Summary } from '../../../src/report/summary.js';
import { doneRunner, loadTestSpec, NOW, observedLoadTest } from '../../helpers/observed.js';
import { shardSnapshot } from '../../helpers/snapshots.js';
import { summaryFixture } from '../../helpers/summary-fixture.js';

/** Two runners done, each with 300 requests at 10 ms over 10 s: 60 rps, p95 10 ms. */
function finished(baseline: ObservedBaseline | undefined, maxRegression?: Record<string, string>): Observed {
  const runners = [0, 1].map((index) =>
    doneRunner(index, shardSnapshot(index, 2, { requests: 300, latencyUs: 10_000, done: true })),
  );
  const spec = loadTestSpec(2, {
    baseline: { configMap: 'prev-report', ...(maxRegression ? { maxRegression } : {}) },
  });
  return observedLoadTest(spec, {
    job: { createdAtMs: NOW - 20_000, failedIndexes: [] },
    runners,
    ...(baseline ? { baseline } : {}),
  });
}

function writtenSummary(o: Observed): { summary: Summary; events: string[] } {
  const d = decide(o, DEFAULT_SETTINGS);
  const write = d.actions.find((a) => a.kind === 'writeReport');
  if (write?.kind !== 'writeReport') throw new Error('no report written');
  return {
    summary: write.summary,
    events: d.actions.flatMap((a) => (a.kind === 'event' ? [`${a.type} ${a.reason}: ${a.message}`] : [])),
  };
}

/** The next reconcile, with the report now in place. */
const afterReport = (o: Observed, summary: Summary) => decide({ ...o, report: summary }, DEFAULT_SETTINGS);

describe('decide: spec.baseline', () => {
  const fastBaseline = summaryFixture({ requests: 600, latencyUs: 2_000, seconds: 10 });
  const slowBaseline = summaryFixture({ requests: 600, latencyUs: 20_000, seconds: 10 });

  it('a run slower than its baseline beyond maxRegression fails: summary, event, verdict, condition, message', () => {
    const o = finished({ configMap: 'prev-report', summary: fastBaseline }, { p95: '10%' });
    const { summary, events } = writtenSummary(o);
    expect(summary.baseline).toMatchObject({ baselineName: 'prev-report', verdict: 'failed' });
    expect(summary.baseline?.rows.find((r) => r.metric === 'p95')).toMatchObject({
      maxRegression: 0.1,
      verdict: 'regressed',
    });
    expect(summary.verdict).toBe('failed');
    expect(summary.outcome).toBe('completed');
    expect(events).toContain(
      'Warning BaselineRegressed: Baseline comparison FAILED against prev-report (regressed: latency p95).',
    );
    const next = afterReport(o, summary);
    expect(next.status).toMatchObject({
      phase: 'Succeeded',
      verdict: 'Failed',
      message: 'Baseline comparison FAILED against prev-report (regressed: latency p95).',
    });
    expect(next.status.conditions?.find((c) => c.type === 'BaselinePassed')).toMatchObject({
      status: 'False',
      reason: 'Regressed',
      observedGeneration: 1,
    });
  });

  it('a run as fast as or faster than its baseline passes, with the default bounds when none are given', () => {
    const o = finished({ configMap: 'prev-report', summary: slowBaseline });
    const { summary, events } = writtenSummary(o);
    expect(summary.baseline?.verdict).toBe('passed');
    expect(summary.baseline?.rows.filter((r) => r.maxRegression !== undefined).map((r) => r.metric)).toEqual([
      'p95',
      'errorRate',
      'rps',
    ]);
    expect(summary.verdict).toBe('passed');
    expect(events.some((e) => e.includes('BaselineRegressed'))).toBe(false);
    const next = afterReport(o, summary);
    expect(next.status.verdict).toBe('Passed');
    expect(next.status.conditions?.find((c) => c.type === 'BaselinePassed')).toMatchObject({
      status: 'True',
      reason: 'Passed',
    });
  });

  it('a missing baseline fails the comparison and says which ConfigMap', () => {
    const o = finished({ configMap: 'prev-report', error: 'baseline ConfigMap ns/prev-report not found' });
    const { summary } = writtenSummary(o);
    expect(summary.baseline).toEqual({
      baselineName: 'prev-report',
      rows: [],
      verdict: 'failed',
      error: 'baseline ConfigMap ns/prev-report not found',
    });
    const next = afterReport(o, summary);
    expect(next.status.conditions?.find((c) => c.type === 'BaselinePassed')).toMatchObject({
      status: 'False',
      reason: 'NoBaseline',
      message: 'Baseline comparison FAILED: baseline ConfigMap ns/prev-report not found',
    });
    expect(next.status.verdict).toBe('Failed');
  });

  /** A real baseline summary.json with one field set to a value of the wrong type, read as the observer reads it. */
  function corrupted(
    set: (raw: Record<string, unknown> & { latency: object; totals: object }) => void,
  ): unknown {
    const raw = JSON.parse(summaryToJson(slowBaseline));
    set(raw);
    return summaryFromJson(JSON.stringify(raw));
  }

  it.each([
    ['latency.p95Ms: expected a number or null', corrupted((r) => Object.assign(r.latency, { p95Ms: 'x' }))],
    ['totals.rps: expected a number', corrupted((r) => Object.assign(r.totals, { rps: '60' }))],
    ['scenarios: expected an array', corrupted((r) => Object.assign(r, { scenarios: null }))],
    ['loadTest: expected an object', corrupted((r) => Object.assign(r, { loadTest: null }))],
    ['not a Stampede summary.json (kind is not StampedeSummary)', null],
  ])(
    'a baseline ConfigMap with a corrupt summary.json (%s): NoBaseline, the report still written',
    (why, parsed) => {
      const o = finished({ configMap: 'prev-report', summary: parsed }, { p95: '10%' });
      const { summary, events } = writtenSummary(o);
      const where = 'baseline ConfigMap ns/prev-report';
      expect(summary.baseline).toEqual({
        baselineName: 'prev-report',
        rows: [],
        verdict: 'failed',
        error: `${where}: ${why}`,
      });
      expect(summary.verdict).toBe('failed');
      expect(events).toContain(`Warning BaselineRegressed: Baseline comparison FAILED: ${where}: ${why}`);
      // The controller's writeReport renders these files: they come out, saying why.
      const files = fitReportFiles(summary).files;
      expect(files['report.md']).toContain(`Baseline comparison FAILED: ${where}: ${why}`);
      expect(files['report.html']).toContain('Baseline comparison FAILED');
      const next = afterReport(o, summary);
      expect(next.status.conditions?.find((c) => c.type === 'BaselinePassed')).toMatchObject({
        status: 'False',
        reason: 'NoBaseline',
      });
      expect(next.status.verdict).toBe('Failed');
    },
  );

  it('without spec.baseline there is no comparison and no BaselinePassed condition', () => {
    const o = finished(undefined);
    const plain = { ...o, loadTest: { ...o.loadTest, spec: { ...o.loadTest.spec, baseline: undefined } } };
    const { summary } = writtenSummary(plain);
    expect(summary.baseline).toBeUndefined();
    expect(afterReport(plain, summary).status.conditions?.some((c) => c.type === 'BaselinePassed')).toBe(
      false,
    );
  });
});
