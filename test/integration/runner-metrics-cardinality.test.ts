/**
 * The runner's /metrics label sets stay bounded whatever the manifest: a real `stampede runner` with more
 * steps than MAX_STEP_LABELS against a real server that answers one step with a status outside 100..599.
 * Folded steps are exported once as step="other" (counters summed, histograms merged, no duplicate series),
 * and the status outside the HTTP classes is status_class="other".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STEP_LABELS, OTHER_LABEL } from '../../src/metrics/label-bounds.js';
import type { RunnerState } from '../../src/runner/protocol.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { controlFetch } from '../helpers/runner-control.js';
import { startRunnerProcess } from '../helpers/runner-process.js';

const STEPS = MAX_STEP_LABELS + 10;
const stepName = (i: number) => `step-${String(i).padStart(2, '0')}`;

/** `name{a="x",...} value` lines of one metric: each line's labels and value. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => {
      const labels = Object.fromEntries(
        [...l.slice(l.indexOf('{') + 1, l.lastIndexOf('}')).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
          m[1],
          m[2],
        ]),
      );
      return { labels: labels as Record<string, string>, value: Number(l.slice(l.lastIndexOf(' ') + 1)) };
    });
}

describe('runner /metrics cardinality', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      // Node sends any three-digit status; 799 is in no HTTP class.
      res.statusCode = req.url === `/${stepName(0)}` ? 799 : 200;
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it(`caps step labels at ${MAX_STEP_LABELS} and folds the rest and unknown statuses into "other"`, async () => {
    // No linger limit: the runner keeps serving after the run until /release.
    const runner = await startRunnerProcess({
      apiVersion: 'stampede.dev/v1alpha1',
      kind: 'LoadTest',
      metadata: { name: 'card' },
      spec: {
        target: { baseURL: server.url },
        scenarios: {
          s: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 3,
            flow: Array.from({ length: STEPS }, (_, i) => ({
              name: stepName(i),
              request: { url: `/${stepName(i)}` },
            })),
          },
        },
      },
    });
    const { base } = runner;
    await runner.start();
    let state: RunnerState | undefined;
    for (let i = 0; i < 150 && state?.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await (await controlFetch(`${base}/snapshot`)).json()) as RunnerState;
    }
    expect(state?.state).toBe('done');
    const text = await (await fetch(`${base}/metrics`)).text();
    await controlFetch(`${base}/release`, { method: 'POST' });
    await runner.exited;
    runner.done();

    const requests = series(text, 'stampede_requests_total');
    const steps = new Set(requests.map((s) => s.labels.step));
    expect(steps.size).toBe(MAX_STEP_LABELS + 1);
    expect(steps.has(OTHER_LABEL)).toBe(true);
    expect(steps.has(stepName(STEPS - 1))).toBe(false);
    // Nothing is lost by folding: the exported total is every request the runner made.
    const total = state?.snapshot.steps.reduce((n, s) => n + s.requests, 0);
    expect(total).toBe(STEPS * 3);
    expect(requests.reduce((n, s) => n + s.value, 0)).toBe(total);
    const other = requests.filter((s) => s.labels.step === OTHER_LABEL);
    expect(other.reduce((n, s) => n + s.value, 0)).toBe((STEPS - MAX_STEP_LABELS) * 3);
    expect(new Set(requests.map((s) => s.labels.status_class))).toEqual(new Set(['2xx', OTHER_LABEL]));

    // One histogram series per label set: the folded steps' histograms are merged, not repeated.
    const inf = series(text, 'stampede_request_duration_seconds_bucket').filter(
      (s) => s.labels.le === '+Inf',
    );
    const keys = inf.map((s) => JSON.stringify(s.labels));
    expect(new Set(keys).size).toBe(keys.length);
    expect(inf.find((s) => s.labels.step === OTHER_LABEL)?.value).toBe((STEPS - MAX_STEP_LABELS) * 3);
  }, 30_000);
});
