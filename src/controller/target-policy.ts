/**
 * Which hosts a LoadTest may send traffic to, as the operator's installer decided (Helm value
 * targetPolicy.allowlist, passed as STAMPEDE_TARGET_ALLOWLIST); without one, the LoadTest's own namespace's
 * Services. The rules are src/protocols/connection-policy.ts; runners enforce them at every connect. This is
 * the controller's up-front check of what is static in the manifest (a URL's host, even when its path is
 * templated, and a PostgreSQL URL's `host=`), for fast feedback. Pure: a LoadTest in, the refused targets out.
 */
import type { LoadTest, Step } from '../api/schema.js';
import { joinPath } from '../api/schema-check.js';
import {
  type ConnectionPolicy,
  connectionPolicy,
  namespacePolicyEntries,
} from '../protocols/connection-policy.js';
import { pgHosts } from '../protocols/pg-guard.js';

export interface TargetPolicy {
  entries: readonly string[];
  matches(host: string): boolean;
  connection: ConnectionPolicy;
}

function fromEntries(entries: readonly string[]): TargetPolicy {
  const connection = connectionPolicy(entries);
  return { entries: connection.entries, matches: (host) => !connection.refuseHost(host), connection };
}

/** The installer's list (comma-separated), or undefined when none is set. Throws on a malformed entry. */
export function parseTargetPolicy(text: string | undefined): TargetPolicy | undefined {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  return entries.length ? fromEntries(entries) : undefined;
}

/** The policy for a LoadTest in `namespace`: the installer's, else that namespace's Services only. */
export function policyFor(configured: TargetPolicy | undefined, namespace: string): TargetPolicy {
  return configured ?? fromEntries(namespacePolicyEntries(namespace));
}

/** The host part of a URL when it is static (templates elsewhere in the URL are fine). */
function staticHosts(url: string): string[] {
  const authority = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!authority || authority[2]?.includes('${')) return [];
  const scheme = (authority[1] ?? '').toLowerCase();
  // pg dials `?host=` (and host lists) over the URL's host: judge what it would dial.
  if ((scheme === 'postgres' || scheme === 'postgresql') && !url.includes('${')) return pgHosts(url, {});
  try {
    return [new URL(`${scheme}://${authority[2]}`).hostname];
  } catch {
    return [];
  }
}

/** Every host a LoadTest names statically, with the field path that names it. */
export function targetsOf(loadTest: LoadTest): { path: string; host: string }[] {
  const out: { path: string; host: string }[] = [];
  const add = (path: string, url: string | undefined) => {
    for (const host of url === undefined ? [] : staticHosts(url)) out.push({ path, host });
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
