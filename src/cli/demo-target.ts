/** `stampede demo-target`: the built-in API to point a first load test at. */
import { parseDurationUs } from '../api/duration.js';
import { DEFAULT_DEMO_OPTIONS, startDemoTarget } from '../demo/server.js';
import { parseArgs, UsageError } from './args.js';
import { DEMO_SHAPE_OPTIONS, EXIT_WITH_PARENT_ENV } from './demo-process.js';

export const DEMO_USAGE = `usage: stampede demo-target [--host 127.0.0.1] [--port 8080] [--latency 5ms] [--jitter 10ms] [--error-rate 0]
                            [--capacity N] [--queue N] [--grpc-port N] [--token-ttl D]

  Serves POST /api/login, GET /api/data and POST /api/transaction (the seed's user session), and a
  WebSocket echo/chat endpoint at /ws ("ping" -> "pong", JSON echoed with a server "ts", chat rooms with
  ?room=, {"type":"subscribe","intervalMs":100} for a feed). Latency, jitter and error rate apply to both.
  --capacity N serves at most N API requests at once; more wait in a queue (their latency climbs) and past
  --queue waiting (default 4 x N) are answered 503.
  --token-ttl D makes login tokens expire D after login (401 "token expired"), to test token refresh.`;

function durationMs(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const us = parseDurationUs(text);
  if (us === undefined) throw new UsageError(`--${name} must be a duration such as 5ms, got ${text}`);
  return us / 1000;
}

function count(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000)
    throw new UsageError(`--${name} must be a whole number 0..1000000, got ${text}`);
  return n;
}

export async function demoTargetCommand(argv: string[]): Promise<number | undefined> {
  const args = parseArgs(argv, { values: ['host', 'port', 'grpc-port', ...DEMO_SHAPE_OPTIONS] });
  if (args.positional.length) throw new UsageError(DEMO_USAGE);
  const port = Number(args.values.port ?? DEFAULT_DEMO_OPTIONS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535`);
  const grpcPort = args.values['grpc-port'] === undefined ? undefined : Number(args.values['grpc-port']);
  if (grpcPort !== undefined && !(Number.isInteger(grpcPort) && grpcPort >= 0 && grpcPort <= 65535))
    throw new UsageError('--grpc-port must be 0..65535');
  const errorRate = Number(args.values['error-rate'] ?? 0);
  if (!(errorRate >= 0 && errorRate <= 1)) throw new UsageError('--error-rate must be between 0 and 1');
  const capacity = count(args.values.capacity, 0, 'capacity');
  const queue = count(args.values.queue, capacity * 4, 'queue');
  const target = await startDemoTarget({
    host: args.values.host ?? DEFAULT_DEMO_OPTIONS.host,
    port,
    latencyMs: durationMs(args.values.latency, DEFAULT_DEMO_OPTIONS.latencyMs, 'latency'),
    jitterMs: durationMs(args.values.jitter, DEFAULT_DEMO_OPTIONS.jitterMs, 'jitter'),
    errorRate,
    capacity,
    queueLimit: queue,
    tokenTtlMs: durationMs(args.values['token-ttl'], 0, 'token-ttl'),
  });
  const host = args.values.host ?? DEFAULT_DEMO_OPTIONS.host;
  // Imported only when asked for: grpc-js costs every `stampede run` (which imports this module) ~40 ms of CPU.
  const grpc =
    grpcPort === undefined
      ? undefined
      : await (await import('../demo/grpc.js')).startDemoGrpc(host, grpcPort);
  // The gRPC line comes first: whoever waits for the HTTP line then has both addresses.
  if (grpc) process.stdout.write(`demo gRPC target listening on ${grpc.url}\n`);
  process.stdout.write(`demo target listening on ${target.url}\n`);
  const stop = () => void Promise.all([target.close(), grpc?.close()]).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `stampede run --demo-target`: the parent's end of stdin closes when it dies, however it dies.
  if (process.env[EXIT_WITH_PARENT_ENV]) {
    process.stdin.once('end', stop).once('error', stop).resume();
  }
  return undefined; // keep serving
}
