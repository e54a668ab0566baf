/** A virtual user: identity, variables and cookies that persist across its iterations. */
import { CookieJar } from './cookies.js';
import type { LastResult, TemplateContext } from './template.js';

export interface VU {
  /** Unique across scenarios and shards, 1-based: what templates read as `vu`. */
  readonly id: number;
  /** Unique among this shard's VUs, 0-based: picks the VU's HTTP connection (see VuRange). */
  readonly lane: number;
  readonly ctx: TemplateContext & { last: LastResult };
  readonly cookies: CookieJar;
  /** Per-VU lifecycle state; present when the scenario has a lifecycle. */
  lifecycle?: VuLifecycleState;
  /** The iteration the VU runs now, which a ramp-down deadline may interrupt. */
  iteration?: IterationState | undefined;
}

export interface VuLifecycleState {
  /** The setup flow has run (or is running). */
  setUp: boolean;
  /** performance.now() ms of the last setup or refresh, for `refresh.every`. */
  refreshedAtMs: number;
  /** A lifecycle flow is running: its own requests must not trigger a refresh. */
  busy: boolean;
  /** Runs the refresh flow when it is due; called before every request attempt. Absent: no refresh. */
  beforeRequest: ((vu: VU) => Promise<void>) | undefined;
}

export interface IterationState {
  /** Open models: performance.now() ms at which the iteration was due. Consumed by the first request. */
  scheduledAtMs: number | undefined;
  /** Some request or check failed. */
  failed: boolean;
  /** Stop running further steps (transport error, hard stop or interrupt). */
  aborted: boolean;
  /** Given up on at its ramp-down deadline (ScenarioRuntime.interrupt): counted then, not when it returns. */
  interrupted?: boolean;
  /** The pause or WebSocket session the iteration waits in now, which an interrupt ends at once. */
  waiting?: { abort(): void } | undefined;
}

export function createVU(id: number, lane: number, scenario: string, env: Record<string, string>): VU {
  return {
    id,
    lane,
    ctx: {
      vu: id,
      iteration: 0,
      scenario,
      env,
      vars: {},
      data: {},
      // Mutated in place by each request step: no allocation per request.
      last: { step: '', status: 0, ok: true, error: '' },
    },
    cookies: new CookieJar(),
  };
}
