/**
 * Applies a ConnectionPolicy at connect time, for every protocol: a `lookup` for net/tls connects (Node
 * calls it for names, so each resolved address is checked before it is dialled), a check for IP literals
 * (which Node never looks up), and a resolve-and-check for clients that take no `lookup` (pg).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, type ConnectionPolicy, PolicyDeniedError } from './connection-policy.js';

export class ConnectGuard {
  constructor(readonly policy: ConnectionPolicy) {}

  /** For an IP-literal host: the refusal, or undefined (also for names: `lookup` checks those). */
  refuseLiteral(host: string): PolicyDeniedError | undefined {
    const bare = bareHost(host);
    if (!isIP(bare)) return undefined;
    const reason = this.policy.refuse(bare, bare);
    return reason ? new PolicyDeniedError(reason) : undefined;
  }

  /** A drop-in `lookup` for net.connect, tls.connect, http.request and undici's connect options. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    // A name the policy refuses is not even looked up: no DNS query leaves for it.
    const byName = this.policy.refuseHost(hostname);
    if (byName) {
      process.nextTick(() => callback(new PolicyDeniedError(byName), '', 0));
      return;
    }
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => !this.policy.refuse(hostname, a.address));
      if (!allowed.length) {
        const reason = this.policy.refuse(hostname, addresses[0]?.address ?? hostname) ?? hostname;
        return callback(new PolicyDeniedError(reason), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };

  /** Resolves `host` and returns an allowed address to dial, or throws PolicyDeniedError. */
  async resolve(host: string): Promise<string> {
    const literal = this.refuseLiteral(host);
    if (literal) throw literal;
    if (isIP(bareHost(host))) return bareHost(host);
    return new Promise((resolve, reject) =>
      this.lookup(host, { all: false }, (error, address) =>
        error ? reject(error) : resolve(address as string),
      ),
    );
  }
}
