import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { healthySummary } from '../helpers/summaries.js';

describe('report.html analysis part', () => {
  it('shows the score, and each finding with its evidence and recommendation, escaped', () => {
    const html = renderHtml(
      healthySummary({
        score: { value: 71, formula: 'f', parts: [{ name: 'errors', points: 20, max: 25, why: 'w' }] },
        findings: [
          {
            id: 'error-mix',
            severity: 'critical',
            title: '8% of requests failed <mostly timeout>',
            evidence: ['timeout: 60'],
            recommendation: 'Look at the slowest dependency',
          },
        ],
      }),
    );
    expect(html).toContain('<h2>Score: 71/100</h2>');
    expect(html).toContain('<div class="finding critical">');
    expect(html).toContain('8% of requests failed &lt;mostly timeout&gt;');
    expect(html).toContain('<li>timeout: 60</li>');
    expect(html).toContain('<b>What to do:</b> Look at the slowest dependency');
  });

  it('says so when the checks found nothing', () => {
    expect(renderHtml(healthySummary({ findings: [] }))).toContain('No findings: every check');
  });
});
