import { describe, expect, it } from 'vitest';
import {
  errorClassLabel,
  MAX_STEP_LABELS,
  OTHER_LABEL,
  statusClassLabel,
  stepLabeler,
} from '../../src/metrics/label-bounds.js';

describe('Prometheus label bounds', () => {
  it('keeps the first MAX_STEP_LABELS (scenario, step) pairs and folds the rest', () => {
    const pairs = Array.from({ length: MAX_STEP_LABELS + 5 }, (_, i) => ({ scenario: 's', step: `n${i}` }));
    const label = stepLabeler(pairs);
    expect(label('s', 'n0')).toBe('n0');
    expect(label('s', `n${MAX_STEP_LABELS - 1}`)).toBe(`n${MAX_STEP_LABELS - 1}`);
    expect(label('s', `n${MAX_STEP_LABELS}`)).toBe(OTHER_LABEL);
    expect(label('t', 'n0')).toBe(OTHER_LABEL);
  });

  it('folds statuses outside 100..599 and unknown error classes', () => {
    expect(['100', '204', '404', '599'].map(statusClassLabel)).toEqual(['1xx', '2xx', '4xx', '5xx']);
    expect(['0', '799', '42x', ''].map(statusClassLabel)).toEqual(Array(4).fill(OTHER_LABEL));
    expect(['timeout', 'http_5xx', 'pg_23', 'grpc_not_found'].map(errorClassLabel)).toEqual([
      'timeout',
      'http_5xx',
      'pg_23',
      'grpc_not_found',
    ]);
    expect(['pg_toolong', 'grpc_made_up', 'whatever'].map(errorClassLabel)).toEqual(
      Array(3).fill(OTHER_LABEL),
    );
  });
});
