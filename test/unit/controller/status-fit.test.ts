import { describe, expect, it } from 'vitest';
import { CONDITION_MESSAGE_MAX, STATUS_MESSAGE_MAX } from '../../../src/api/status-constants.js';
import { clip, fitStatus } from '../../../src/controller/status-fit.js';

describe('status messages fit the CRD', () => {
  const perRunner = Array.from({ length: 1000 }, (_, i) => `runner ${i}: pod not created yet`).join('; ');

  it('clips a message naming 1,000 runners to 4096 characters and says so', () => {
    const status = fitStatus({
      phase: 'Failed',
      message: perRunner,
      conditions: [
        {
          type: 'Completed',
          status: 'False',
          reason: 'RunnersNotReady',
          message: perRunner,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    expect(status.message?.length).toBe(STATUS_MESSAGE_MAX);
    expect(status.message).toMatch(
      /^runner 0: pod not created yet; runner 1: .* \(\d+ characters, clipped\)$/,
    );
    expect(status.conditions?.[0]?.message.length).toBe(CONDITION_MESSAGE_MAX);
    expect(status.phase).toBe('Failed');
  });

  it('leaves a status that fits as it is (the same object)', () => {
    const fits = { phase: 'Running' as const, message: 'running' };
    expect(fitStatus(fits)).toBe(fits);
    expect(clip('short', 10)).toBe('short');
  });
});
