/**
 * Where load may go: the admin's connection policy, decided on what is actually dialled (the host after
 * templates are rendered, and each address it resolved to), so neither a template, a DNS answer nor an
 * ExternalName Service can smuggle a target in. Pure: a host and an address in, a refusal reason or
 * undefined out. connect-guard.ts applies it where each protocol connects.
 *
 * Entries: a host name (api.example.com), a wildcard suffix (*.shop.svc), an IP or CIDR (10.96.0.0/12), or
 * "*" (any target outside the never-list). Rules:
 * - Never unless named: link-local and cloud metadata addresses, the API server (its Service name and the
 *   address in KUBERNETES_SERVICE_HOST). Only an entry that names the address (IP/CIDR) or the exact host
 *   lets them through; "*" does not.
 * - An IP target must fall in an IP/CIDR entry.
 * - A named target must match a name entry, and each address it resolves to must fall in an IP/CIDR entry
 *   when the policy has any, else be a private address (Services and Pods always are; the public internet
 *   is not in-cluster).
 */
import { BlockList, isIP } from 'node:net';

export interface ConnectionPolicy {
  /** The entries, for messages and logs. */
  readonly entries: readonly string[];
  /** Why connecting to `address` for `host` is refused, or undefined when it is allowed. */
  refuse(host: string, address: string): string | undefined;
  /** The name rules alone, before anything is resolved (the controller's up-front check). */
  refuseHost(host: string): string | undefined;
}

/** Addresses no LoadTest reaches unless an entry names them: link-local (cloud metadata) and fd00:ec2::254. */
export const NEVER_CIDRS = ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'];
/** The API server's and cloud metadata names. */
const NEVER_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'metadata',
  'metadata.google.internal',
];
/** Where in-cluster names resolve to: RFC 1918, CGNAT, loopback, unique-local IPv6. */
const PRIVATE_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  'fc00::/7',
  '::1/128',
];

/** The default: Services of the LoadTest's own namespace, by their cluster DNS names. */
export function namespacePolicyEntries(namespace: string): string[] {
  return [`*.${namespace}.svc`, `*.${namespace}.svc.cluster.local`];
}

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
export const bareHost = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [base = '', bits] = entry.split('/');
    if (bits === undefined) list.addAddress(base, family(base));
    else list.addSubnet(base, Number(bits), family(base));
  }
  return list;
}

const isCidr = (entry: string) => isIP(entry.split('/')[0] ?? '') !== 0;

/** Problems with the entries (bad CIDR bits, empty names), each naming the entry. */
export function policyEntryProblems(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    if (entry === '*' || !isCidr(entry)) {
      return /^(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/i.test(entry) || entry === '*'
        ? []
        : [`${entry}: not a host name, *.suffix, IP, CIDR or *`];
    }
    const [base = '', bits] = entry.split('/');
    const max = isIP(base) === 6 ? 128 : 32;
    if (bits === undefined) return [];
    const n = Number(bits);
    return Number.isInteger(n) && n >= 0 && n <= max ? [] : [`${entry}: prefix length must be 0..${max}`];
  });
}

/**
 * Builds a policy; `apiServer` is the API server's address (KUBERNETES_SERVICE_HOST), added to the
 * never-list. Throws on entries policyEntryProblems refuses.
 */
export function connectionPolicy(rawEntries: readonly string[], apiServer?: string): ConnectionPolicy {
  const entries = rawEntries.map((e) => e.trim().toLowerCase()).filter(Boolean);
  const problems = policyEntryProblems(entries);
  if (problems.length) throw new Error(`connection policy: ${problems.join('; ')}`);
  const cidrs = entries.filter(isCidr);
  const names = entries.filter((e) => e !== '*' && !isCidr(e));
  const allowed = blockList(cidrs);
  const never = blockList(apiServer && isIP(apiServer) ? [...NEVER_CIDRS, apiServer] : NEVER_CIDRS);
  const privateNets = blockList(PRIVATE_CIDRS);
  const any = entries.includes('*');
  const inList = (list: BlockList, ip: string) => list.check(ip, family(ip));
  const nameMatches = (host: string) =>
    names.some((e) => e === host || (e.startsWith('*.') && host.endsWith(e.slice(1))));
  const refuseHost = (rawHost: string) => {
    const host = bareHost(rawHost);
    if (isIP(host)) return undefined;
    if (NEVER_NAMES.includes(host) && !names.includes(host))
      return `${host}: the API server and metadata names are refused unless the policy names them`;
    return any || nameMatches(host) ? undefined : `${host}: no policy entry allows this host`;
  };
  return {
    entries,
    refuseHost: (host) =>
      isIP(bareHost(host)) ? refuseAddress(bareHost(host), bareHost(host)) : refuseHost(host),
    refuse: (host, address) => refuseAddress(bareHost(host), bareHost(address)),
  };

  function refuseAddress(host: string, address: string): string | undefined {
    const named = inList(allowed, address);
    if (inList(never, address) && !named)
      return `${host} (${address}): link-local, metadata and API server addresses are refused unless the policy names them`;
    if (isIP(host)) return any || named ? undefined : `${host}: no policy entry covers this address`;
    const byName = refuseHost(host);
    if (byName || any) return byName;
    if (cidrs.length ? named : inList(privateNets, address)) return undefined;
    return cidrs.length
      ? `${host} resolved to ${address}, which no policy entry covers`
      : `${host} resolved to ${address}, which is not a private address`;
  }
}

/** The error a refused connection fails with; metrics class it as `policy_denied`. */
export class PolicyDeniedError extends Error {
  readonly code = 'EPOLICY_DENIED';
  constructor(readonly reason: string) {
    super(`connection refused by the target policy: ${reason}`);
  }
}
