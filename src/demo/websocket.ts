/**
 * The demo target's WebSocket endpoint, /ws:
 * - text "ping" is answered "pong"; other text and binary frames are echoed;
 * - JSON is echoed with a server `ts` (epoch ms) added; {"type":"ping"} comes back as {"type":"pong"};
 * - {"type":"chat","text":...} goes to everyone in the sender's room (/ws?room=NAME), with `from` and `ts`;
 *   without a room it comes back to the sender only;
 * - {"type":"subscribe","intervalMs":100} starts a feed of {"type":"tick","seq":n,"ts":...} until close.
 * Replies get the target's latency and jitter; with its error rate a reply is replaced by a 1011 close.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export interface DemoWsOptions {
  latencyMs: number;
  jitterMs: number;
  errorRate: number;
}

/** A feed faster than this would only measure the demo target's timers. */
const MIN_FEED_INTERVAL_MS = 10;
const SERVER_ERROR = 1011;

interface Client {
  room: string | undefined;
  name: string;
  feed: NodeJS.Timeout | undefined;
}

/** One attached endpoint: its options, its open connections and how many it has seen (for names). */
interface DemoWs {
  options: DemoWsOptions;
  clients: Map<WebSocket, Client>;
  connections: number;
}

/** How a text frame is answered: "ping" with "pong", a JSON object by type, anything else echoed. */
export function classifyText(
  text: string,
): { kind: 'ping' } | { kind: 'json'; msg: Record<string, unknown> } | { kind: 'echo' } {
  if (text === 'ping') return { kind: 'ping' };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'echo' };
  }
  if (msg && typeof msg === 'object' && !Array.isArray(msg))
    return { kind: 'json', msg: msg as Record<string, unknown> };
  return { kind: 'echo' };
}

/** `data` may be built at send time, so a `ts` in it is when the reply left, after the injected delay. */
function reply(options: DemoWsOptions, ws: WebSocket, data: string | Buffer | (() => string)): void {
  const delay = options.latencyMs + Math.random() * options.jitterMs;
  const send = () => {
    if (ws.readyState !== ws.OPEN) return;
    if (options.errorRate > 0 && Math.random() < options.errorRate)
      ws.close(SERVER_ERROR, 'injected failure');
    else ws.send(typeof data === 'function' ? data() : data);
  };
  if (delay > 0) setTimeout(send, delay);
  else send();
}

/** {"type":"subscribe"}: a tick feed until close (a second subscribe replaces the first). */
function startFeed(ws: WebSocket, client: Client, requestedMs: unknown): number {
  const intervalMs = Math.max(MIN_FEED_INTERVAL_MS, Number(requestedMs) || 100);
  if (client.feed) clearInterval(client.feed);
  let seq = 0;
  client.feed = setInterval(() => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'tick', seq: ++seq, ts: Date.now() }));
  }, intervalMs);
  return intervalMs;
}

function onJson(state: DemoWs, ws: WebSocket, client: Client, msg: Record<string, unknown>): void {
  const { options } = state;
  if (msg.type === 'ping') {
    reply(options, ws, () => JSON.stringify({ ...msg, type: 'pong', ts: Date.now() }));
    return;
  }
  if (msg.type === 'chat') {
    const chat = { type: 'chat', text: msg.text, from: client.name, room: client.room };
    const text = () => JSON.stringify({ ...chat, ts: Date.now() });
    if (client.room === undefined) reply(options, ws, text);
    else for (const [peer, info] of state.clients) if (info.room === client.room) reply(options, peer, text);
    return;
  }
  if (msg.type === 'subscribe') {
    const intervalMs = startFeed(ws, client, msg.intervalMs);
    reply(options, ws, () => JSON.stringify({ type: 'subscribed', intervalMs, ts: Date.now() }));
    return;
  }
  reply(options, ws, () => JSON.stringify({ ...msg, ts: Date.now() }));
}

function onConnection(state: DemoWs, ws: WebSocket, req: IncomingMessage): void {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') || undefined;
  const client: Client = { room, name: `user-${++state.connections}`, feed: undefined };
  state.clients.set(ws, client);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return reply(state.options, ws, data);
    const text = data.toString('utf8');
    const answer = classifyText(text);
    if (answer.kind === 'ping') return reply(state.options, ws, 'pong');
    if (answer.kind === 'json') return onJson(state, ws, client, answer.msg);
    return reply(state.options, ws, text);
  });
  ws.on('close', () => {
    if (client.feed) clearInterval(client.feed);
    state.clients.delete(ws);
  });
  ws.on('error', () => undefined);
}

export function attachDemoWebSocket(server: Server, options: DemoWsOptions): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const state: DemoWs = { options, clients: new Map(), connections: 0 };
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => onConnection(state, ws, req));

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  return {
    close() {
      server.off('upgrade', onUpgrade);
      // Upgraded sockets are not HTTP connections any more: closeAllConnections() does not end them.
      for (const [ws, client] of state.clients) {
        if (client.feed) clearInterval(client.feed);
        ws.terminate();
      }
      state.clients.clear();
      wss.close();
    },
  };
}
