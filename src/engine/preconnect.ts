/**
 * Which VUs get their HTTP/1.1 connection opened before the start instant. Opened during load, the first
 * second of a 5,000 arrivals/s run made ~150 connects on the load thread and held arrivals up to 5-11 ms;
 * opened while the shard waits for its start, the connect (and a TLS handshake) is out of the schedule and
 * out of every iteration's latency. Only what the run would open at once anyway: one per VU a scenario
 * starts with, to the target's base URL, for scenarios that start at once and send requests there.
 */
import type { Step } from '../api/schema.js';
import type { ScenarioPlan } from './executor.js';
import type { VuRange } from './shard.js';

/** Whether the flow's own steps send HTTP requests to the base URL (a relative `url`). */
function requestsBaseUrl(flow: readonly Step[]): boolean {
  return flow.some((step) => step.request !== undefined && !/^https?:\/\//i.test(step.request.url));
}

/** VUs to open connections for before the test starts: none for a scenario that starts later. */
export function preconnectVUs(plan: ScenarioPlan): number {
  return plan.startOffsetUs > 0 ? 0 : plan.vusAtStart;
}

/** Lanes of the VUs to open a connection for, over every scenario; `ranges[i]` numbers `plans[i]`'s VUs. */
export function preconnectLanes(plans: readonly ScenarioPlan[], ranges: readonly VuRange[]): number[] {
  const lanes: number[] = [];
  plans.forEach((plan, i) => {
    if (!requestsBaseUrl(plan.spec.flow)) return;
    const first = (ranges[i] as VuRange).firstLane;
    for (let lane = first; lane < first + preconnectVUs(plan); lane++) lanes.push(lane);
  });
  return lanes;
}
