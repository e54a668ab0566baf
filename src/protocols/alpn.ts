/**
 * HTTP/2 by ALPN (`target.negotiateHttp2`): before the first request to an `https:` origin, one TLS handshake
 * offers h2 and http/1.1 and the server's pick decides which client carries every request to that origin.
 * The probe socket is closed afterwards: one extra handshake per origin per shard buys a decision that the
 * HTTP/1.1 pool and the HTTP/2 sessions then keep for the whole run. Cleartext origins never negotiate (h2c
 * needs prior knowledge or an Upgrade dance no server under test expects): they stay on HTTP/1.1.
 */
import type { ConnectGuard } from './connect-guard.js';
import { guardedTarget, openSocket } from './http1/connect.js';
import type { TlsSettings } from './tls/settings.js';

export type Negotiated = 'h2' | 'http/1.1';

/** Offered in this order: a server that speaks both picks h2. */
export const NEGOTIATE_ALPN = ['h2', 'http/1.1'];

/** The probe never outlives this; a slower handshake leaves the decision to the first real request. */
export interface ProbeOptions {
  tls: TlsSettings;
  guard?: ConnectGuard;
  timeoutMs: number;
}

/**
 * The protocol an `https:` origin picks, or undefined when the probe could not tell (refused, TLS failure,
 * timeout): the caller then sends over HTTP/1.1, whose own error says what went wrong, and probes again later.
 */
export function probeAlpn(origin: string, options: ProbeOptions): Promise<Negotiated | undefined> {
  const url = new URL(origin);
  if (url.protocol !== 'https:') return Promise.resolve('http/1.1');
  return new Promise((resolve) => {
    const socket = openSocket(
      {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port ? Number(url.port) : 443,
        tls: { ...options.tls, alpn: NEGOTIATE_ALPN },
        ...guardedTarget(options.guard, url.hostname),
      },
      undefined,
      () => {
        const picked = (socket as unknown as { alpnProtocol?: string | false }).alpnProtocol;
        finish(picked === 'h2' ? 'h2' : 'http/1.1');
      },
    );
    const timer = setTimeout(() => finish(undefined), options.timeoutMs);
    function finish(result: Negotiated | undefined): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('error', () => finish(undefined));
  });
}
