/**
 * Who may command a runner, and which start instants it believes. Pure: a request's Authorization header
 * and the runner's token in, yes or no out. The token is per LoadTest: the controller derives it and hands
 * it to the runners through a Secret the LoadTest owns (STAMPEDE_CONTROL_TOKEN via secretKeyRef).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Shorter tokens are guessable; the controller's are 43 characters (256 bits, base64url). */
export const MIN_CONTROL_TOKEN_LENGTH = 32;

/**
 * Routes anyone may call: the kubelet's probes, and /metrics for Prometheus (aggregate counts only, no
 * payloads, and scraping it changes nothing). Everything else changes or reveals a run.
 */
const OPEN_ROUTES = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics']);

export const isOpenRoute = (methodAndPath: string) => OPEN_ROUTES.has(methodAndPath);

export function bearerHeader(token: string): string {
  return `Bearer ${token}`;
}

/**
 * Constant time: both sides are hashed to 32 bytes first, so neither the length nor a common prefix of the
 * presented value leaks through timing.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer ([^\s]+)$/i.exec(header ?? '')?.[1];
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const same = timingSafeEqual(digest(presented ?? ''), digest(token));
  return presented !== undefined && same;
}

export interface StartWindow {
  /** How far ahead a start may be: the controller leads by a few seconds. */
  aheadMs: number;
  /** How far behind: a runner that became ready late is sent the shared instant, up to its start deadline. */
  behindMs: number;
}

/** Undefined when the instant is plausible; otherwise why not. */
export function implausibleStart(startAtMs: number, nowMs: number, window: StartWindow): string | undefined {
  if (startAtMs > nowMs + window.aheadMs)
    return `startAt is more than ${Math.round(window.aheadMs / 1000)} s in the future`;
  if (startAtMs < nowMs - window.behindMs)
    return `startAt is more than ${Math.round(window.behindMs / 1000)} s in the past`;
  return undefined;
}
