/** Which failures mean "waited the full timeout" (a latency at the time waited), per protocol, in one place. */
import { describe, expect, it } from 'vitest';
import { grpcStatusTimed, isResponseTimeout } from '../../src/metrics/error-class.js';

describe('failures that waited their full timeout', () => {
  it('HTTP response timeouts and a statement cancelled at statement_timeout, through cause chains', () => {
    expect(isResponseTimeout({ code: 'HTTP1_HEADERS_TIMEOUT' })).toBe(true);
    expect(
      isResponseTimeout(new TypeError('fetch failed', { cause: { code: 'UND_ERR_BODY_TIMEOUT' } })),
    ).toBe(true);
    // pg's DatabaseError carries the SQLSTATE as its code: 57014 query_canceled.
    expect(isResponseTimeout(Object.assign(new Error('canceling statement'), { code: '57014' }))).toBe(true);
  });

  it('nothing waited for: refusals, resets, connect timeouts and other SQL errors', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'HTTP1_CONNECT_TIMEOUT',
      'UND_ERR_CONNECT_TIMEOUT',
      '42601',
    ])
      expect(isResponseTimeout({ code })).toBe(false);
    expect(isResponseTimeout(undefined)).toBe(false);
  });

  it('gRPC: every answered status and DEADLINE_EXCEEDED are timed; UNAVAILABLE is not', () => {
    expect(grpcStatusTimed(0)).toBe(true); // OK
    expect(grpcStatusTimed(4)).toBe(true); // DEADLINE_EXCEEDED
    expect(grpcStatusTimed(5)).toBe(true); // NOT_FOUND
    expect(grpcStatusTimed(14)).toBe(false); // UNAVAILABLE
  });
});
