import { describe, expect, it } from 'vitest';
import { latencyModelLine } from '../../src/report/console.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { healthySummary, latency, step } from '../helpers/summaries.js';

/** WebSocket steps time each reply from its own send; an open-model report must not claim otherwise. */
describe('WebSocket latency in open-model reports', () => {
  const base = healthySummary();
  const scenario = base.scenarios[0] as (typeof base.scenarios)[number];
  const open = healthySummary({
    latencyModel: 'open',
    steps: [
      step('get', { serviceTime: latency(5, 9, 12) }),
      step('chat', { protocol: 'ws', serviceTime: latency(2, 3, 4) }),
    ],
    scenarios: [
      { ...scenario, model: 'open', executor: 'constant-arrival-rate', scheduleLag: latency(0.1, 0.3, 0.5) },
    ],
  });

  it('report.md says WebSocket steps are reply round trips, not counted from the schedule', () => {
    const md = renderMarkdown(open);
    expect(md).toMatch(
      /counts the first HTTP or PostgreSQL step of each iteration from the iteration's scheduled start/,
    );
    expect(md).toMatch(
      /WebSocket steps \(api\/chat\) are timed as reply round trips.*do not count from the schedule/,
    );
    expect(md).toMatch(/\| api\/chat \(round trip\) \|/);
    expect(md).not.toMatch(/Latency above counts from each iteration's scheduled start/);
  });

  it('the console latency-model line says so too, and stays quiet without WebSocket steps', () => {
    expect(latencyModelLine(open)).toMatch(/OPEN .* WebSocket steps are reply round trips from each send/);
    const httpOnly = { ...open, steps: [step('get', { serviceTime: latency(5, 9, 12) })] };
    expect(latencyModelLine(httpOnly)).not.toMatch(/WebSocket/);
  });
});
