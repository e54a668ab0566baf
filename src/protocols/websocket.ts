/**
 * One WebSocket client connection over the `ws` package: connect with a timeout, time the handshake, class
 * failures, deliver messages and the close to a listener, close cleanly within a grace period.
 *
 * Event handlers are module-level functions that find their connection through a symbol on the socket, so a
 * connection costs no closures and a message none at all: 10,000 idle sessions must fit in one process.
 */
import type WebSocket from 'ws';
import { classifyError, type FixedErrorClass } from '../metrics/error-class.js';
import type { ConnectGuard } from './connect-guard.js';
import { lazyPackage } from './lazy-package.js';
import type { TlsMaterial } from './tls/settings.js';

const ws = lazyPackage<typeof WebSocket>('ws');
/** readyState values, as the WebSocket API numbers them (ws's static constants need the package loaded). */
const CONNECTING = 0;
const OPEN = 1;

export interface WsListener {
  /** The handshake completed `connectUs` after the attempt began. */
  wsOpen(connectUs: number): void;
  wsMessage(data: Buffer, isBinary: boolean): void;
  /** The attempt failed before the handshake completed; no wsClosed follows. */
  wsConnectFailed(errorClass: FixedErrorClass, message: string): void;
  /** An open connection closed. `byUs` when we asked for it; `error` is the transport error, if any. */
  wsClosed(code: number, reason: string, byUs: boolean, error: string | undefined): void;
  /**
   * A message longer than maxPayloadBytes began to arrive: it was not read, and the connection is closing
   * with 1009 (message too big); wsClosed follows with `byUs` true.
   */
  wsMessageTooBig(maxPayloadBytes: number): void;
}

export interface WsConnectOptions {
  url: string;
  headers: Record<string, string> | undefined;
  subprotocols: readonly string[];
  connectTimeoutMs: number;
  insecureSkipTLSVerify: boolean;
  /** The connection policy, checked where the socket connects; none: connect anywhere. */
  guard?: ConnectGuard;
  /** CA bundle, client certificate and SNI name for wss:, as for HTTPS. */
  tls?: TlsMaterial;
  /**
   * The longest message kept (spec.target.maxBodyBytes): ws holds a message whole before delivering it, so
   * without a bound a target could make every connection buffer up to ws's default of 100 MiB.
   */
  maxPayloadBytes: number;
}

/**
 * How long our close handshake may take before ws drops the socket. A healthy server answers a close frame
 * within a round trip; two seconds keeps a stuck one from holding a VU for ws's default 30 s.
 */
const CLOSE_GRACE_MS = 2000;
/** Normal closure (RFC 6455 section 7.4.1). */
export const WS_NORMAL_CLOSURE = 1000;
/** Message too big (RFC 6455 section 7.4.1): what ws closes with when a message exceeds maxPayload. */
export const WS_MESSAGE_TOO_BIG = 1009;
/** ws's error code for a message over maxPayload. */
const TOO_BIG_CODE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

const OWNER = Symbol('stampede.wsConnection');
type OwnedSocket = WebSocket & { [OWNER]: WsConnection };
const owner = (socket: WebSocket) => (socket as OwnedSocket)[OWNER];

export class WsConnection {
  private readonly socket: OwnedSocket | undefined;
  private readonly startedAtMs = performance.now();
  private opened = false;
  private closingByUs = false;
  private lastError: string | undefined;
  private readonly maxPayloadBytes: number;

  constructor(
    options: WsConnectOptions,
    readonly listener: WsListener,
  ) {
    this.maxPayloadBytes = options.maxPayloadBytes;
    let socket: OwnedSocket;
    const refused = options.guard && literalRefusal(options.guard, options.url);
    if (refused) {
      this.socket = undefined;
      queueMicrotask(() => listener.wsConnectFailed('policy_denied', refused.message));
      return;
    }
    try {
      socket = new (ws())(options.url, options.subprotocols as string[], {
        headers: options.headers,
        handshakeTimeout: options.connectTimeoutMs,
        maxPayload: options.maxPayloadBytes,
        // ws 8.18+ option; @types/ws does not know it yet.
        ...({ closeTimeout: CLOSE_GRACE_MS } as WebSocket.ClientOptions),
        // A load generator measures the server, not zlib: compression costs memory per connection.
        perMessageDeflate: false,
        // Text frames are counted and parsed only when a check needs them; validating UTF-8 is wasted work.
        skipUTF8Validation: true,
        followRedirects: false,
        ...(options.guard ? { lookup: options.guard.lookup } : {}),
        ...(options.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
        ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
        ...(options.tls?.key ? { key: options.tls.key } : {}),
        ...(options.tls?.serverName ? { servername: options.tls.serverName } : {}),
      }) as OwnedSocket;
    } catch (error) {
      this.socket = undefined;
      queueMicrotask(() => listener.wsConnectFailed('ws_handshake', (error as Error).message));
      return;
    }
    socket[OWNER] = this;
    socket.on('open', onOpen);
    socket.on('message', onMessage);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.socket = socket;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /**
   * Sends a text frame for a string, a binary frame for a Buffer. Returns the payload size in bytes, or -1
   * when the connection is no longer open (a send racing the server's close).
   */
  send(data: string | Buffer): number {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return -1;
    socket.send(data);
    return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  }

  /** Starts a clean close (1000); wsClosed follows once the server answers or the grace period ends. */
  close(): void {
    const socket = this.socket;
    if (!socket || this.closingByUs) return;
    this.closingByUs = true;
    if (socket.readyState === CONNECTING) socket.terminate();
    else socket.close(WS_NORMAL_CLOSURE);
  }

  /** Drops the connection at once (hard stop). */
  terminate(): void {
    this.closingByUs = true;
    this.socket?.terminate();
  }

  /** @internal */ handleOpen(): void {
    this.opened = true;
    this.listener.wsOpen((performance.now() - this.startedAtMs) * 1000);
  }

  /** @internal */ handleError(error: Error): void {
    if (this.opened) {
      if ((error as NodeJS.ErrnoException).code === TOO_BIG_CODE && !this.closingByUs) {
        // ws has stopped reading and sends the 1009 close itself: this side closed the connection.
        this.closingByUs = true;
        this.listener.wsMessageTooBig(this.maxPayloadBytes);
        return;
      }
      this.lastError = error.message;
      return;
    }
    if (this.closingByUs) return;
    this.closingByUs = true; // no wsClosed after a failed attempt
    this.listener.wsConnectFailed(classifyConnectError(error), error.message);
  }

  /** @internal */ handleClose(code: number, reason: Buffer): void {
    if (!this.opened) return;
    this.listener.wsClosed(code, reason.toString(), this.closingByUs, this.lastError);
  }
}

/** An IP-literal host the policy refuses (names are checked by the lookup); a bad URL is left to ws. */
function literalRefusal(guard: ConnectGuard, url: string): Error | undefined {
  try {
    return guard.refuseLiteral(new URL(url).hostname);
  } catch {
    return undefined;
  }
}

/** Socket-level failures keep their transport class; a refused or broken upgrade is ws_handshake. */
export function classifyConnectError(error: Error): FixedErrorClass {
  const byCode = classifyError(error);
  if (byCode !== 'other') return byCode;
  if (/handshake has timed out/i.test(error.message)) return 'timeout';
  return 'ws_handshake';
}

function onOpen(this: WebSocket): void {
  owner(this).handleOpen();
}

function onMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  // With the default binaryType ('nodebuffer') a message is one Buffer, or a list when fragmented.
  const buffer = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
  owner(this).listener.wsMessage(buffer, isBinary);
}

function onError(this: WebSocket, error: Error): void {
  owner(this).handleError(error);
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  owner(this).handleClose(code, reason);
}

/** A close code for people: the number and its RFC 6455 name where there is one. */
export function describeCloseCode(code: number): string {
  const names: Record<number, string> = {
    1000: 'normal',
    1001: 'going away',
    1002: 'protocol error',
    1003: 'unsupported data',
    1005: 'no status',
    1006: 'abnormal, no close frame',
    1007: 'invalid payload',
    1008: 'policy violation',
    1009: 'message too big',
    1011: 'server error',
    1012: 'service restart',
    1013: 'try again later',
  };
  const name = names[code];
  return name ? `${code} (${name})` : String(code);
}
