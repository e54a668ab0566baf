import { GRPC_STATUS_NAMES } from '../api/grpc-status.js';

/** Every failed request falls in exactly one class, so error mixes can be compared across runs and tools. */
export const ERROR_CLASSES = [
  'refused',
  'reset',
  'timeout',
  'dns',
  'tls',
  'http_4xx',
  'http_5xx',
  /** A status outside 100..599, which RFC 9110 (section 15) makes invalid: no class of response at all. */
  'http_invalid_status',
  'check',
  /** A check or extraction needed more of the body than spec.target.maxBodyBytes keeps. */
  'body_too_large',
  'h2_stream_reset',
  'h2_goaway',
  'h2_protocol',
  'ws_handshake',
  'ws_close',
  'ws_mismatch',
  'pg_connect',
  /** The admin's connection policy refused the host or the address it resolved to: nothing was sent. */
  'policy_denied',
  'other',
] as const;
export type FixedErrorClass = (typeof ERROR_CLASSES)[number];
/**
 * PostgreSQL errors are classed by SQLSTATE class, its first two characters: `pg_42` (syntax error or
 * undefined table), `pg_23` (constraint violation), `pg_40` (serialization failure, deadlock), ... There are
 * about forty classes, so they are open-ended keys rather than fixed zero counters.
 */
export type SqlStateClass = `pg_${string}`;
/**
 * gRPC calls that ended with a status other than the expected one are classed by that status: `grpc_not_found`,
 * `grpc_deadline_exceeded`, `grpc_unavailable`, ... one per status name (sixteen at most), so the set is
 * bounded; a code outside 0..16 folds into `grpc_unknown`. Like SQLSTATE classes they appear only when seen.
 */
export type GrpcStatusClass = `grpc_${string}`;
export type ErrorClass = FixedErrorClass | SqlStateClass | GrpcStatusClass;

/** The gRPC status name of a code; codes outside the spec's 0..16 are UNKNOWN, as the spec says. */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? 'UNKNOWN';
}

export function classifyGrpcStatus(code: number): GrpcStatusClass {
  return `grpc_${grpcStatusName(code).toLowerCase()}`;
}

const BY_CODE: Record<string, FixedErrorClass> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  HTTP1_CONNECT_TIMEOUT: 'timeout',
  HTTP1_HEADERS_TIMEOUT: 'timeout',
  HTTP1_BODY_TIMEOUT: 'timeout',
  HTTP1_CLIENT_CLOSED: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EPROTO: 'tls',
  EPOLICY_DENIED: 'policy_denied',
  H2_STREAM_RESET: 'h2_stream_reset',
  H2_GOAWAY: 'h2_goaway',
  H2_SESSION_ERROR: 'h2_protocol',
  H2_TIMEOUT: 'timeout',
  H2_CLIENT_CLOSED: 'reset',
  // OpenSSL's certificate verification codes that name no CERT: an untrusted or unknown issuer.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
};

/**
 * Failures that mean the client waited its full timeout for an answer that did not come: the call's latency
 * was at least the time waited, so it is recorded at that (README: what counts as a latency). By protocol:
 * - HTTP: each client's request (response) timeout, by error code (isResponseTimeout);
 * - PostgreSQL: SQLSTATE 57014 query_canceled, the server cancelling the statement at statement_timeout
 *   (pg's errors carry the SQLSTATE as their code, so isResponseTimeout finds it too);
 * - gRPC: DEADLINE_EXCEEDED, the call's deadline (grpcStatusTimed);
 * - WebSocket: no matching reply within replyTimeout, which the step's own timer decides.
 * Connect timeouts, refusals and resets are not here: nothing was waited for that the target was answering,
 * and their fraction of a millisecond would make a dead target look fast.
 */
const RESPONSE_TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'HTTP1_HEADERS_TIMEOUT',
  'HTTP1_BODY_TIMEOUT',
  'H2_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  '57014',
]);

/** gRPC UNAVAILABLE: the target could not be reached or the connection dropped (grpc-js's refused and reset). */
export const GRPC_UNAVAILABLE = 14;

/**
 * The first non-undefined answer `read` gives for an error's string `code`, looking through `cause` chains
 * (undici and fetch wrap the system error) up to four deep.
 */
function readCodes<T>(error: unknown, read: (code: string) => T | undefined): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      const answer = read(code);
      if (answer !== undefined) return answer;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True when the client waited its full timeout for the response (see RESPONSE_TIMEOUT_CODES), through
 * `cause` chains.
 */
export function isResponseTimeout(error: unknown): boolean {
  return readCodes(error, (code) => (RESPONSE_TIMEOUT_CODES.has(code) ? true : undefined)) ?? false;
}

/**
 * Whether a gRPC call that ended with status `code` has a latency: every status the server answered with, and
 * DEADLINE_EXCEEDED (the deadline waited in full, see RESPONSE_TIMEOUT_CODES), does; UNAVAILABLE does not.
 */
export function grpcStatusTimed(code: number): boolean {
  return code !== GRPC_UNAVAILABLE;
}

/** Classifies a transport error from Node or undici by its stable `code`, looking through `cause` chains. */
export function classifyError(error: unknown): FixedErrorClass {
  return (
    readCodes(error, (code): FixedErrorClass | undefined => {
      const known = BY_CODE[code];
      if (known) return known;
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT')) return 'tls';
      return undefined;
    }) ?? 'other'
  );
}

/** Whether a status code is one RFC 9110 defines a class for (1xx..5xx); 999, 600 or 42 are not. */
export function isValidStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 100 && status <= 599;
}

export function classifyStatus(status: number): FixedErrorClass | undefined {
  // Every response passes here: the usual 2xx/3xx answer first, before the validity check.
  if (status >= 200 && status < 400) return undefined;
  if (!isValidStatus(status)) return 'http_invalid_status';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return undefined;
}

const SQLSTATE_RE = /^[0-9A-Z]{5}$/;

/**
 * The class of a PostgreSQL failure. Anything that kept a query from reaching a working session is
 * `pg_connect`: no SQLSTATE (refused, DNS, timeout, socket closed), class 08 (connection exception) and
 * 57P01..57P03 (the server shutting down or not accepting connections yet). Everything else the server
 * answered is `pg_` plus the SQLSTATE class, e.g. `pg_42` for 42P01 undefined_table.
 */
export function classifySqlState(code: unknown): ErrorClass {
  if (typeof code !== 'string' || !SQLSTATE_RE.test(code)) return 'pg_connect';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'pg_connect';
  return `pg_${code.slice(0, 2).toLowerCase()}`;
}

export function emptyErrorCounts(): Record<ErrorClass, number> {
  return Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;
}

/** Adds `n` to an error counter that may not exist yet (SQLSTATE classes are open-ended). */
export function addError(counts: Partial<Record<ErrorClass, number>>, errorClass: ErrorClass, n = 1): void {
  counts[errorClass] = (counts[errorClass] ?? 0) + n;
}
