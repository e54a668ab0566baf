import { describe, expect, it } from 'vitest';
import { analyzeSummary } from '../../src/analysis/index.js';
import type { Scalability } from '../../src/analysis/model.js';
import { emptyErrorCounts } from '../../src/metrics/error-class.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { healthySummary, latency, level, step } from '../helpers/summaries.js';

const headings = (md: string) => md.split('\n').filter((l) => l.startsWith('## '));
/** The lines of one `## ` section, without its heading. */
function section(md: string, heading: string): string[] {
  const lines = md.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`no section ${heading} in:\n${headings(md).join('\n')}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}

describe('report.md of a healthy run', () => {
  const md = renderMarkdown(analyzeSummary(healthySummary()));

  it('follows the report structure, leaving out what a one-shard run has no data for', () => {
    expect(headings(md)).toEqual([
      '## Executive summary',
      '## Configuration',
      '## Response times by step',
      '## Scalability assessment',
      '## Throughput over time',
      '## Resource usage',
      '## Error distribution',
      '## Bottlenecks and findings',
      '## Performance budget',
      '## Capacity planning and recommendations',
      '## How these numbers are measured',
    ]);
  });

  it('opens with the score, its parts and formula, and the critical issue count', () => {
    const summary = section(md, 'Executive summary');
    expect(summary[0]).toBe('- **Load test score: 100/100** (how it is made: below)');
    expect(summary).toContain('- **Critical issues: 0** (0 finding(s) in all)');
    expect(summary).toContain('| errors | 25 | 25 | 0.00% of 1000 requests failed |');
    expect(summary.some((l) => l.startsWith('Formula: score = round(100 × Σ points / Σ max)'))).toBe(true);
  });

  it('says in one line what would fill the sections it has no data for, and gives no advice', () => {
    expect(section(md, 'Scalability assessment')).toHaveLength(1);
    expect(section(md, 'Resource usage')).toContain(
      "Not measured: set spec.analysis.prometheus to have the target's CPU and memory per load level here.",
    );
    expect(section(md, 'Bottlenecks and findings')).toHaveLength(1);
    expect(section(md, 'Capacity planning and recommendations')).toEqual([
      'Capacity: at least 100 requests/s — this run found no limit (no failed threshold, no throughput plateau); a stepped scenario with higher levels would find one.',
      'No recommendations: no finding called for one.',
    ]);
  });

  it('shows the thresholds as a performance budget', () => {
    expect(section(md, 'Performance budget')).toEqual([
      '| Metric | Target | Current | Status |',
      '|---|---:|---:|---:|',
      '| http_req_duration | p(95)<500 | 20.0ms | pass |',
    ]);
  });
});

describe('report.md of a troubled run', () => {
  const base = healthySummary();
  const scalability: Scalability = {
    levels: [level(1, 10, 100, 20), level(2, 20, 195, 22), level(3, 40, 205, 80, { generatorRssMb: 120 })],
    linearRange: { value: { fromLoad: 10, toLoad: 20 }, method: 'rps per load within 10% of level 1' },
    degradationPoint: { value: { level: 3, load: 40, p95Ms: 80, factor: 4 }, method: 'p95 at 2x level 1' },
    breakingPoint: { value: null, method: 'error rate above 5% or a stop condition' },
    recovery: { value: null, method: 'no recovery level' },
    capacityAtSlo: {
      value: { level: 2, load: 20, rps: 195 },
      method: 'highest level within every threshold',
    },
    rating: 'saturating',
  };
  const s = analyzeSummary({
    ...base,
    verdict: 'failed',
    scalability,
    totals: { ...base.totals, failures: 80, errorRate: 0.08 },
    errors: { byClass: { ...emptyErrorCounts(), timeout: 60, http_5xx: 20 }, samples: [] },
    steps: [step('list'), step('search', { latency: latency(80, 200, 400) })],
    shards: [
      { index: 0, total: 2, done: true, elapsedMs: 10_000, requests: 600 },
      { index: 1, total: 2, done: true, elapsedMs: 10_000, requests: 400 },
    ],
  });
  const md = renderMarkdown(s);

  it('counts the critical issues and gives the scalability figures with how they were found', () => {
    const summary = section(md, 'Executive summary');
    expect(summary).toContain('- **Scalability: saturating**');
    expect(summary).toContain('- **Breaking point:** not found (error rate above 5% or a stop condition)');
    expect(summary).toContain(
      '- **Critical issues: 1** — 8.00% of requests failed, mostly timeout (3 finding(s) in all)',
    );
    expect(section(md, 'Scalability assessment')).toContain(
      '| Capacity at the SLO | level 2 (20 VUs), 195 rps | highest level within every threshold |',
    );
  });

  it('lists every finding with its evidence, critical first', () => {
    const findings = section(md, 'Bottlenecks and findings').filter((l) => l.startsWith('### '));
    expect(findings).toEqual([
      '### CRITICAL: 8.00% of requests failed, mostly timeout',
      '### WARNING: Throughput plateaued at about 195 requests/s while latency climbed',
      '### WARNING: Slowest step: api/search (p95 200 ms, 10.0x the median step)',
    ]);
  });

  it('derives every recommendation from a finding', () => {
    const lines = section(md, 'Capacity planning and recommendations');
    expect(lines[0]).toBe(
      'Capacity within the SLO: 195 requests/s at load 20 (level 2; highest level within every threshold).',
    );
    const advice = lines.slice(1);
    expect(advice).toHaveLength(s.findings?.length ?? -1);
    for (const [i, f] of (s.findings ?? []).entries())
      expect(advice[i]).toBe(`${i + 1}. **${f.title}** (${f.severity}): ${f.recommendation}`);
  });

  it('has the per-runner table and the generator per level', () => {
    expect(section(md, 'Per-runner results')).toContain('| 1/2 | done | 10.0s | 600 | 60.0% |');
    expect(section(md, 'Resource usage')).toContain('| 3 | 40 VUs | 20% | 120.0 MB |');
  });
});

describe('report.md of a summary without analysis (an older summary.json)', () => {
  it('renders without the findings, score and recommendation sections', () => {
    const md = renderMarkdown(healthySummary());
    expect(headings(md)).not.toContain('## Bottlenecks and findings');
    expect(headings(md)).not.toContain('## Capacity planning and recommendations');
    expect(md).not.toContain('Load test score');
  });
});

describe('report.md resource usage of the target', () => {
  const source = { url: 'http://127.0.0.1:9090', cpuQuery: 'cpu_query', memoryQuery: 'memory_query' };

  it('has the figures, each level and the series over time, with the queries used', () => {
    const s = healthySummary({
      scalability: {
        rating: 'insufficient-data',
        levels: [level(0, 10, 100, 20, { targetCpuCores: 0.25, targetMemoryMb: 100 })],
        linearRange: { value: null, method: 'one level' },
        degradationPoint: { value: null, method: 'one level' },
        breakingPoint: { value: null, method: 'one level' },
        recovery: { value: null, method: 'no recovery level' },
        capacityAtSlo: { value: null, method: 'one level' },
      },
      targetResources: {
        source,
        memoryGrowthMbPerHour: 3.5,
        leakThresholdMbPerHour: 10,
        leakSuspected: false,
        series: [
          { second: 0, cpuCores: 0.2, memoryMb: 100 },
          { second: 1, cpuCores: 0.3, memoryMb: null },
        ],
      },
    });
    const lines = section(renderMarkdown(s), 'Resource usage');
    expect(lines).toContain('| CPU (cores) | mean 0.250, peak 0.300 |');
    expect(lines).toContain('| Memory growth | 3.5 MB/hour (least-squares line through 1 samples) |');
    expect(lines).toContain('| Leak check | no: at or below 10 MB/hour |');
    expect(lines).toContain('| 0 | 10 VUs | 100.0 | 0.250 | 100.0 MB |');
    expect(lines).toContain('| 1 | 0.300 | - |');
    expect(lines).toContain('CPU query: `cpu_query`');
  });

  it('says why it is missing when Prometheus could not be used', () => {
    const s = healthySummary({
      targetResources: {
        source,
        memoryGrowthMbPerHour: null,
        leakThresholdMbPerHour: 10,
        leakSuspected: false,
        series: [],
        error: 'CPU query to http://127.0.0.1:9090 failed: ECONNREFUSED',
      },
    });
    expect(section(renderMarkdown(s), 'Resource usage')).toContain(
      'Prometheus (http://127.0.0.1:9090) could not be used: CPU query to http://127.0.0.1:9090 failed: ECONNREFUSED',
    );
  });
});
