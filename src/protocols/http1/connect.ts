/**
 * The one place a client socket for HTTP/1.1 or HTTP/2 is opened, plain or TLS, so a check that must run before
 * every connect (the connection policy) has a single place to hook in.
 *
 * TLS: ALPN offers only http/1.1 (this client speaks nothing else), SNI is the host name unless the host is
 * an IP literal (TLS forbids IP addresses in SNI), and the last session ticket the origin handed out is
 * offered on the next connect, so a pool that reconnects resumes instead of paying a full handshake.
 */
import { isIP, type LookupFunction, connect as netConnect, type OnReadOpts, Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { ConnectGuard } from '../connect-guard.js';
import type { TlsSettings } from '../tls/settings.js';

export interface ConnectTarget {
  host: string;
  port: number;
  /** Present for `https:` origins. */
  tls: TlsSettings | undefined;
  /** The latest TLS session of this origin, for resumption; updated by `openSocket`. */
  session?: Buffer;
  /** The connection policy's lookup (connect-guard.ts): every resolved address is checked before dialling. */
  lookup?: LookupFunction;
  /** An IP-literal host the policy refuses (Node never calls `lookup` for those): every socket fails with it. */
  refused?: Error;
}

/** The policy parts of a target: its lookup, and the refusal of an IP-literal host. */
export function guardedTarget(
  guard: ConnectGuard | undefined,
  hostname: string,
): Pick<ConnectTarget, 'lookup' | 'refused'> {
  if (!guard) return {};
  const refused = guard.refuseLiteral(hostname);
  return { lookup: guard.lookup, ...(refused ? { refused } : {}) };
}

/**
 * Opens the socket; `onConnected` runs when it can carry requests (after the TLS handshake for TLS). Without
 * `onread` the socket is an ordinary readable stream (what the ALPN probe uses).
 */
export function openSocket(
  target: ConnectTarget,
  onread: OnReadOpts | undefined,
  onConnected: () => void,
): Socket {
  if (target.refused) {
    // Never dialled: the socket fails the way a refused connect would, with the policy's error.
    const socket = new Socket();
    const error = target.refused;
    process.nextTick(() => socket.destroy(error));
    return socket;
  }
  const tls = target.tls;
  const lookup = target.lookup ? { lookup: target.lookup } : {};
  if (!tls) {
    const socket = netConnect({
      host: target.host,
      port: target.port,
      ...lookup,
      noDelay: true,
      ...(onread ? { onread } : {}),
    });
    socket.once('connect', onConnected);
    return socket;
  }
  const serverName = tls.serverName ?? (isIP(target.host) ? undefined : target.host);
  const options: ConnectionOptions & { onread?: OnReadOpts } = {
    host: target.host,
    port: target.port,
    ...lookup,
    // Node's tls.connect honours `onread` (documented) although @types/node leaves it out.
    ...(onread ? { onread } : {}),
    ALPNProtocols: tls.alpn,
    ...(serverName ? { servername: serverName } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(target.session ? { session: target.session } : {}),
  };
  const socket = tlsConnect(options);
  socket.setNoDelay(true);
  socket.once('secureConnect', onConnected);
  socket.on('session', (session: Buffer) => {
    target.session = session;
  });
  return socket;
}
