/**
 * Which hosts a LoadTest may send traffic to, as the operator's installer decided (Helm value
 * targetPolicy.allowlist, passed as STAMPEDE_TARGET_ALLOWLIST). Entries: a host name, a wildcard suffix
 * (*.svc), a CIDR for IP targets, or "*" for anything. Pure: a LoadTest in, the refused targets out.
 * Database URLs behind a Secret reference are not visible to the controller and are not checked.
 */
import { BlockList, isIP } from 'node:net';
import type { LoadTest, Step } from '../api/schema.js';
import { joinPath } from '../api/schema-check.js';

export interface TargetPolicy {
  entries: string[];
  matches(host: string): boolean;
}

export function parseTargetPolicy(text: string | undefined): TargetPolicy | undefined {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (!entries.length) return undefined;
  const cidrs = new BlockList();
  for (const entry of entries) {
    const [base, bits] = entry.split('/');
    const family = isIP(base ?? '');
    if (family && bits !== undefined)
      cidrs.addSubnet(base as string, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
    else if (family) cidrs.addAddress(entry, family === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    entries,
    matches(rawHost) {
      const host = rawHost.toLowerCase().replace(/^\[|\]$/g, '');
      const family = isIP(host);
      if (entries.includes('*')) return true;
      if (family) return cidrs.check(host, family === 6 ? 'ipv6' : 'ipv4');
      return entries.some((e) => e === host || (e.startsWith('*.') && host.endsWith(e.slice(1))));
    },
  };
}

function hostOf(url: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.includes('${')) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Every host a LoadTest names literally, with the field path that names it. */
export function targetsOf(loadTest: LoadTest): { path: string; host: string }[] {
  const out: { path: string; host: string }[] = [];
  const add = (path: string, url: string | undefined) => {
    const host = url === undefined ? undefined : hostOf(url);
    if (host) out.push({ path, host });
  };
  add('spec.target.baseURL', loadTest.spec.target.baseURL);
  add('spec.postgres.url', loadTest.spec.postgres?.url);
  const walk = (steps: Step[], base: string) =>
    steps.forEach((step, i) => {
      const path = `${base}[${i}]`;
      add(`${path}.request.url`, step.request?.url);
      add(`${path}.ws.url`, step.ws?.url);
      add(`${path}.pg.url`, step.pg?.url);
      if (step.steps) walk(step.steps, `${path}.steps`);
      step.choice?.forEach((c, k) => walk(c.steps, `${path}.choice[${k}].steps`));
    });
  for (const [name, scenario] of Object.entries(loadTest.spec.scenarios)) {
    walk(scenario.flow, `${joinPath('spec.scenarios', name)}.flow`);
  }
  return out;
}

export function refusedTargets(loadTest: LoadTest, policy: TargetPolicy | undefined): string[] {
  if (!policy) return [];
  return targetsOf(loadTest)
    .filter((t) => !policy.matches(t.host))
    .map(
      (t) =>
        `${t.path}: host ${t.host} is not allowed by the operator's target policy (allowed: ${policy.entries.join(', ')})`,
    );
}
