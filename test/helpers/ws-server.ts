/** Real WebSocket servers (the `ws` package) started by tests, on loopback with an ephemeral port. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestWsServer {
  url: string;
  httpUrl: string;
  port: number;
  connections: number;
  open: number;
  maxOpen: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export interface WsServerOptions {
  /** Refuse the upgrade with this HTTP status. */
  refuseWith?: number;
  handleProtocols?: (protocols: Set<string>) => string | false;
}

export async function startWsServer(
  onConnection: (ws: WebSocket, req: IncomingMessage) => void,
  options: WsServerOptions = {},
): Promise<TestWsServer> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    ...(options.handleProtocols ? { handleProtocols: options.handleProtocols } : {}),
    ...(options.refuseWith
      ? { verifyClient: (_info, done) => done(false, options.refuseWith, 'refused by test') }
      : {}),
  });
  const state = { connections: 0, open: 0, maxOpen: 0, requests: [] as IncomingMessage[] };
  wss.on('connection', (ws, req) => {
    state.connections++;
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    state.requests.push(req);
    ws.on('close', () => state.open--);
    ws.on('error', () => undefined);
    onConnection(ws, req);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    get open() {
      return state.open;
    },
    get maxOpen() {
      return state.maxOpen;
    },
    requests: state.requests,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Echo: text "ping" -> "pong", JSON {type:"ping"} -> {type:"pong", ts}, anything else back as it came. */
export function echo(ws: WebSocket): void {
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return ws.send(data);
    const text = data.toString();
    if (text === 'ping') return ws.send('pong');
    try {
      const msg = JSON.parse(text) as Record<string, unknown>;
      if (msg.type === 'ping') return ws.send(JSON.stringify({ ...msg, type: 'pong', ts: Date.now() }));
    } catch {
      // not JSON: echo
    }
    ws.send(text);
  });
}
