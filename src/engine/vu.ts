/** A virtual user: identity, variables and cookies that persist across its iterations. */
import { CookieJar } from './cookies.js';
import type { TemplateContext } from './template.js';

export interface VU {
  readonly id: number;
  readonly ctx: TemplateContext;
  readonly cookies: CookieJar;
}

export interface IterationState {
  /** Open models: performance.now() ms at which the iteration was due. Consumed by the first request. */
  scheduledAtMs: number | undefined;
  /** Some request or check failed. */
  failed: boolean;
  /** Stop running further steps (transport error or hard stop). */
  aborted: boolean;
}

export function createVU(id: number, scenario: string, env: Record<string, string>): VU {
  return {
    id,
    ctx: { vu: id, iteration: 0, scenario, env, vars: {}, data: {} },
    cookies: new CookieJar(),
  };
}
