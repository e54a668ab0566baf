/**
 * The built-in demo target: the seed's API (login, data, transaction) and a WebSocket echo/chat endpoint
 * at /ws (src/demo/websocket.ts), with knobs for latency, errors and capacity, so a new user has something
 * real to load and a breakpoint test has a real limit to find. Loopback only by default.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapacityGate } from './capacity.js';
import { attachDemoWebSocket } from './websocket.js';

export interface DemoTargetOptions {
  host: string;
  port: number;
  /** Base latency added to every API answer. */
  latencyMs: number;
  /** Uniform extra latency in [0, jitterMs). */
  jitterMs: number;
  /** Fraction of API requests answered with 500. */
  errorRate: number;
  /** API requests served at once (0: unlimited); more wait in a queue, and past queueLimit get 503. */
  capacity: number;
  /** Requests that may wait for a slot (default 4 x capacity). */
  queueLimit?: number;
  /** Login tokens expire this long after they were issued (0: never), for token refresh tests. */
  tokenTtlMs?: number;
}

export const DEFAULT_DEMO_OPTIONS: DemoTargetOptions = {
  host: '127.0.0.1',
  port: 8080,
  latencyMs: 5,
  jitterMs: 10,
  errorRate: 0,
  capacity: 0,
};

/** Sessions kept in memory are capped so a long soak against the demo cannot grow it without bound. */
const MAX_SESSIONS = 100_000;

const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  name: `item-${i + 1}`,
  price: (i + 1) * 3.5,
}));
const DATA_BODY = JSON.stringify({ items: ITEMS, total: ITEMS.length });

export interface DemoTarget {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function unauthorized(known: boolean): string {
  return known ? '{"error":"token expired"}' : '{"error":"login first"}';
}

/** The demo's HTTP API: login hands out tokens (expiring after tokenTtlMs), data and transaction need one. */
class DemoApi {
  /** Token -> expiry (performance.now() ms); Infinity when tokens do not expire. */
  private readonly sessions = new Map<string, number>();
  private readonly ttlMs: number;
  private transactions = 0;
  private readonly gate: CapacityGate | undefined;

  constructor(private readonly options: DemoTargetOptions) {
    this.ttlMs = options.tokenTtlMs && options.tokenTtlMs > 0 ? options.tokenTtlMs : Number.POSITIVE_INFINITY;
    this.gate =
      options.capacity > 0
        ? new CapacityGate(options.capacity, options.queueLimit ?? options.capacity * 4)
        : undefined;
  }

  /** Health checks skip the capacity gate; everything else waits for a slot (or 503 when the queue is full). */
  async handle(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    const path = url.split('?')[0] as string;
    if (path === '/healthz') return send(res, 200, '{"ok":true}');
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (!this.gate) return this.respond(req, res, path, body);
    if (!(await this.gate.acquire())) return send(res, 503, '{"error":"over capacity"}');
    try {
      return await this.respond(req, res, path, body);
    } finally {
      this.gate.release();
    }
  }

  private authorized(token: string): boolean {
    return (this.sessions.get(token) ?? 0) > performance.now();
  }

  private async respond(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: string,
  ): Promise<void> {
    const { options } = this;
    const delay = options.latencyMs + Math.random() * options.jitterMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (options.errorRate > 0 && Math.random() < options.errorRate) {
      return send(res, 500, '{"error":"injected failure"}');
    }
    if (path === '/api/login' && req.method === 'POST') return this.login(res, body);
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (path === '/api/data' && req.method === 'GET') {
      if (!this.authorized(token)) return send(res, 401, unauthorized(this.sessions.has(token)));
      return send(res, 200, DATA_BODY);
    }
    if (path === '/api/transaction' && req.method === 'POST') {
      if (!this.authorized(token)) return send(res, 401, unauthorized(this.sessions.has(token)));
      this.transactions++;
      return send(res, 201, JSON.stringify({ id: this.transactions, status: 'accepted' }));
    }
    return send(res, 404, '{"error":"not found"}');
  }

  private login(res: ServerResponse, body: string) {
    let user = 'anonymous';
    try {
      user = String((JSON.parse(body || '{}') as { username?: unknown }).username ?? user);
    } catch {
      return send(res, 400, '{"error":"body must be JSON"}');
    }
    const token = randomBytes(12).toString('hex');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
    this.sessions.set(token, performance.now() + this.ttlMs);
    const expiresIn = Number.isFinite(this.ttlMs) ? { expiresInMs: this.ttlMs } : {};
    return send(res, 200, JSON.stringify({ token, user, ...expiresIn }), {
      'set-cookie': `session=${token}; Path=/; HttpOnly`,
    });
  }
}

export function startDemoTarget(overrides: Partial<DemoTargetOptions> = {}): Promise<DemoTarget> {
  const options = { ...DEFAULT_DEMO_OPTIONS, ...overrides };
  const api = new DemoApi(options);
  const server = createServer((req, res) => {
    api.handle(req, res).catch(() => send(res, 500, '{"error":"internal"}'));
  });
  server.keepAliveTimeout = 60_000;
  const ws = attachDemoWebSocket(server, options);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        server,
        close: () =>
          new Promise((r) => {
            ws.close();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
