/**
 * TLS settings of a load test's target, resolved to PEM text: what every client (HTTP/1.1, HTTP/2, undici,
 * WebSocket) needs to verify the server and, for mutual TLS, to present a client certificate.
 */
export interface TlsSettings {
  /** Accept any server certificate (test targets with self-signed certificates). */
  insecureSkipVerify: boolean;
  /** PEM CA bundle that replaces the system roots; undefined: Node's default roots. */
  ca?: string;
  /** PEM client certificate chain and its private key, for servers that require client certificates. */
  cert?: string;
  key?: string;
  /** SNI and the name the certificate must carry, when it is not the URL's host. */
  serverName?: string;
  /** ALPN protocols to offer, most preferred first. */
  alpn: string[];
}

/** The parts of TLS settings a load test gives; each client adds verification and ALPN. */
export type TlsMaterial = Pick<TlsSettings, 'ca' | 'cert' | 'key' | 'serverName'>;

export const HTTP1_ALPN = ['http/1.1'];

export function tlsSettings(partial: Partial<TlsSettings> = {}): TlsSettings {
  return { insecureSkipVerify: false, alpn: HTTP1_ALPN, ...partial };
}
