/** A control token for `stampede runner` started by a test, and fetch calls that carry it. */
export const CONTROL_TOKEN = 'test-control-token-0123456789abcdefghijklmnop';

export const controlEnv = { STAMPEDE_CONTROL_TOKEN: CONTROL_TOKEN };

export const authorized = { authorization: `Bearer ${CONTROL_TOKEN}` };

/** fetch with the bearer token, as the controller calls a runner. */
export function controlFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...authorized, ...(init.headers as Record<string, string>) } });
}
