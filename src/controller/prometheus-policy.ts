/**
 * Which Prometheus URLs the controller may query for a LoadTest's target resources, as the operator's
 * installer decided (Helm value targetPolicy.prometheusURLs, passed as STAMPEDE_PROMETHEUS_URLS): the
 * controller makes that request itself, from inside the cluster, so an unchecked URL would let a LoadTest
 * author reach any service the controller can. Entries are URL prefixes; one without a port matches any
 * port of that host. None: no LoadTest may name a Prometheus. Pure.
 */

import { redactUrl } from '../api/redact.js';
import type { LoadTest } from '../api/schema.js';

export interface PrometheusPolicy {
  entries: string[];
  allows(url: string): boolean;
}

interface Prefix {
  protocol: string;
  hostname: string;
  port: string | undefined;
  path: string;
}

function prefixOf(entry: string): Prefix {
  const u = new URL(entry);
  const explicitPort = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:\d+/i.test(entry);
  return {
    protocol: u.protocol,
    hostname: u.hostname,
    port: explicitPort ? u.port || (u.protocol === 'https:' ? '443' : '80') : undefined,
    path: u.pathname.replace(/\/+$/, ''),
  };
}

/** Throws naming a malformed entry. */
export function parsePrometheusPolicy(text: string | undefined): PrometheusPolicy {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const prefixes = entries.map((entry) => {
    try {
      const p = prefixOf(entry);
      if (p.protocol !== 'http:' && p.protocol !== 'https:') throw new Error('not http(s)');
      return p;
    } catch {
      throw new Error(`STAMPEDE_PROMETHEUS_URLS: ${entry} is not an http(s) URL`);
    }
  });
  return {
    entries,
    allows(url) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return false;
      }
      if (u.username || u.password) return false;
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      const path = u.pathname.replace(/\/+$/, '');
      return prefixes.some(
        (p) =>
          p.protocol === u.protocol &&
          p.hostname === u.hostname &&
          (p.port === undefined || p.port === port) &&
          (path === p.path || path.startsWith(`${p.path}/`)),
      );
    },
  };
}

export function refusedPrometheus(lt: LoadTest, policy: PrometheusPolicy): string[] {
  const url = lt.spec.analysis?.prometheus?.url;
  if (url === undefined || policy.allows(url)) return [];
  const allowed = policy.entries.length ? policy.entries.join(', ') : 'none';
  return [
    `spec.analysis.prometheus.url: ${redactUrl(url)} is not a Prometheus URL the operator allows (targetPolicy.prometheusURLs: ${allowed})`,
  ];
}
