/**
 * The one place a client socket for HTTP/1.1 or HTTP/2 is opened, plain or TLS, so a check that must run before
 * every connect (the connection policy) has a single place to hook in.
 *
 * TLS: ALPN offers only http/1.1 (this client speaks nothing else), SNI is the host name unless the host is
 * an IP literal (TLS forbids IP addresses in SNI), and the last session ticket the origin handed out is
 * offered on the next connect, so a pool that reconnects resumes instead of paying a full handshake.
 */
import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { TlsSettings } from '../tls/settings.js';

export interface ConnectTarget {
  host: string;
  port: number;
  /** Present for `https:` origins. */
  tls: TlsSettings | undefined;
  /** The latest TLS session of this origin, for resumption; updated by `openSocket`. */
  session?: Buffer;
}

/**
 * Opens the socket; `onConnected` runs when it can carry requests (after the TLS handshake for TLS). Without
 * `onread` the socket is an ordinary readable stream (what node:http2 wants).
 */
export function openSocket(
  target: ConnectTarget,
  onread: OnReadOpts | undefined,
  onConnected: () => void,
): Socket {
  const tls = target.tls;
  if (!tls) {
    const socket = netConnect({
      host: target.host,
      port: target.port,
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
