import { describe, expect, it } from 'vitest';
import { formatDurationUs, parseDurationUs } from '../../src/api/duration.js';

describe('durations', () => {
  it('parses single and compound units into microseconds', () => {
    expect(parseDurationUs('500ms')).toBe(500_000);
    expect(parseDurationUs('30s')).toBe(30_000_000);
    expect(parseDurationUs('1m30s')).toBe(90_000_000);
    expect(parseDurationUs('2h')).toBe(7_200_000_000);
    expect(parseDurationUs('1.5s')).toBe(1_500_000);
    expect(parseDurationUs('250us')).toBe(250);
  });

  it('rejects negative, unitless and malformed durations', () => {
    for (const bad of ['-5s', '5', 's', '5 s', '1d', '', 'abc']) expect(parseDurationUs(bad)).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatDurationUs(90_000_000)).toBe('1m30s');
    expect(formatDurationUs(1_500)).toBe('1.5ms');
    expect(formatDurationUs(30_000_000)).toBe('30s');
  });
});
