/**
 * The per-LoadTest control token: HMAC-SHA256 of the LoadTest's uid under the controller's key. Derived,
 * not stored, so the controller needs only `create` on Secrets (never `get`), and a restarted controller
 * with the same key still commands the runners it started.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { MIN_CONTROL_TOKEN_LENGTH } from '../runner/control-auth.js';

export const CONTROL_TOKEN_KEY = 'token';

export function controlToken(controllerKey: string, loadTestUid: string): string {
  return createHmac('sha256', controllerKey).update(`stampede-control:${loadTestUid}`).digest('base64url');
}

export type ControlKey = { key: string; generated: boolean } | { problem: string };

/**
 * STAMPEDE_CONTROL_KEY (the chart fills it from a Secret it creates), or a random key for this process
 * when unset: safe, but a restarted controller then cannot command runners it started before.
 */
export function controlKeyFrom(env: NodeJS.ProcessEnv): ControlKey {
  const key = env.STAMPEDE_CONTROL_KEY;
  if (key === undefined || key === '') return { key: randomBytes(32).toString('base64url'), generated: true };
  if (key.length < MIN_CONTROL_TOKEN_LENGTH)
    return { problem: `STAMPEDE_CONTROL_KEY must hold at least ${MIN_CONTROL_TOKEN_LENGTH} characters` };
  return { key, generated: false };
}
