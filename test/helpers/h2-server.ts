/**
 * Real node:http2 servers for the HTTP/2 client's tests, over TLS (ALPN h2) or cleartext (h2c), on loopback,
 * with a counter of sessions, the most streams ever open at once, and a cleanup that closes everything.
 */
import {
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
  type Settings,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './tls-certs.js';

export type H2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

export interface H2TestServer {
  url: string;
  sessions: () => number;
  /** The largest number of requests the handler had open at the same time. */
  maxOpenStreams: () => number;
  close: () => Promise<void>;
}

export async function startH2Server(
  handler: H2Handler,
  options: { certs?: TestCerts; settings?: Settings } = {},
): Promise<H2TestServer> {
  let open = 0;
  let maxOpen = 0;
  const counted: H2Handler = (req, res) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.once('close', () => open--);
    handler(req, res);
  };
  const settings = options.settings ? { settings: options.settings } : {};
  const server: Http2Server = options.certs
    ? createSecureServer(
        { cert: options.certs.serverCert, key: options.certs.serverKey, ...settings },
        counted,
      )
    : createServer(settings, counted);
  let sessions = 0;
  const live = new Set<ServerHttp2Session>();
  server.on('session', (s) => {
    sessions++;
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.certs ? 'https' : 'http'}://127.0.0.1:${port}`,
    sessions: () => sessions,
    maxOpenStreams: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
