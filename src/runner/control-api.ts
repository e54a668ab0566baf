/**
 * The runner's control API, as the controller uses it:
 *   GET /healthz, GET /readyz, POST /start {"startAt": ISO or epoch ms}, POST /stop,
 *   POST /stop-stepping {"scenario", "atOffsetMs", "level", "condition"} (a breakpoint scenario's stop),
 *   GET /snapshot[?intervalsFrom=N] -> {state, startAt, snapshot[, intervalsFrom]} (cumulative since start;
 *   with the query, per-second intervals from index N on: metrics/snapshot-delta.ts), POST /release (the controller has
 *   stored the final results; the runner may exit), GET /metrics (Prometheus text).
 * Every route but /healthz, /readyz and /metrics needs `Authorization: Bearer <token>` (control-auth.ts).
 * Routing only; the runner decides what each call means.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StopStepping } from '../engine/stepping.js';
import { intervalsFromQuery } from '../metrics/snapshot-delta.js';
import { bearerMatches, isOpenRoute } from './control-auth.js';

export interface ControlHandlers {
  ready(): boolean;
  /** `implausible`: the instant is outside the start window (400), not a conflict (409). */
  start(startAtEpochMs: number): { accepted: boolean; message: string; implausible?: boolean };
  stop(): void;
  stopStepping(order: StopStepping): { accepted: boolean; message: string };
  release(): void;
  /** `intervalsFrom`: the caller already holds the intervals before this index. */
  snapshot(intervalsFrom?: number): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
}

/** Start requests carry a tiny JSON body; anything bigger is not ours. */
const MAX_BODY_BYTES = 4096;

function reply(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseStartAt(body: string): number | undefined {
  let value: unknown;
  try {
    value = (JSON.parse(body || '{}') as { startAt?: unknown }).startAt;
  } catch {
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** The body of POST /stop-stepping, or undefined when it is not one. */
export function parseStopStepping(body: string): StopStepping | undefined {
  let value: Partial<Record<keyof StopStepping, unknown>>;
  try {
    value = JSON.parse(body || '{}') as typeof value;
  } catch {
    return undefined;
  }
  const { scenario, atOffsetMs, level, condition } = value;
  if (
    typeof scenario !== 'string' ||
    typeof condition !== 'string' ||
    typeof atOffsetMs !== 'number' ||
    !Number.isFinite(atOffsetMs) ||
    atOffsetMs < 0 ||
    typeof level !== 'number' ||
    !Number.isInteger(level) ||
    level < 0
  ) {
    return undefined;
  }
  return { scenario, atOffsetMs, level, condition };
}

async function route(
  handlers: ControlHandlers,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const key = `${req.method} ${path}`;
  if (!isOpenRoute(key) && !bearerMatches(req.headers.authorization, token)) {
    res.setHeader('www-authenticate', 'Bearer');
    return reply(res, 401, { error: 'this route needs the LoadTest control token as a bearer token' });
  }
  switch (key) {
    case 'GET /healthz':
      return reply(res, 200, { ok: true });
    case 'GET /readyz':
      return handlers.ready() ? reply(res, 200, { ready: true }) : reply(res, 503, { ready: false });
    case 'POST /start': {
      const startAt = parseStartAt(await readBody(req));
      if (startAt === undefined)
        return reply(res, 400, { error: 'body must be {"startAt": ISO time or epoch ms}' });
      const { implausible, ...result } = handlers.start(startAt);
      return reply(res, result.accepted ? 202 : implausible ? 400 : 409, result);
    }
    case 'POST /stop':
      handlers.stop();
      return reply(res, 202, { stopping: true });
    case 'POST /stop-stepping': {
      const order = parseStopStepping(await readBody(req));
      if (!order) {
        return reply(res, 400, {
          error:
            'body must be {"scenario": name, "atOffsetMs": ms from the start, "level": n, "condition": text}',
        });
      }
      const result = handlers.stopStepping(order);
      return reply(res, result.accepted ? 202 : 409, result);
    }
    case 'POST /release':
      handlers.release();
      return reply(res, 202, { released: true });
    case 'GET /snapshot':
      return reply(res, 200, handlers.snapshot(intervalsFromQuery(req.url)));
    case 'GET /metrics': {
      const { contentType, body } = await handlers.metrics();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
      return;
    }
    default:
      return reply(res, 404, { error: `no route ${key}` });
  }
}

export function startControlApi(
  handlers: ControlHandlers,
  host: string,
  port: number,
  token: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    route(handlers, token, req, res).catch((error: Error) => reply(res, 500, { error: error.message }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
